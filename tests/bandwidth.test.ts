/** Bandwidth limits: rclone-style specs, weekly timetables, and the shared token bucket. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import {
  BandwidthLimiter,
  BandwidthSpecError,
  parseBandwidth,
  parseRate,
} from '../main/engine/upload/bandwidth.ts';

const KiB = 1024;
const MiB = 1024 * 1024;

/** Local time in the week of Monday 1 January 2024: day 0 = Monday … 6 = Sunday. */
function at(day: number, hour: number, minute = 0): Date {
  return new Date(2024, 0, 1 + day, hour, minute);
}

describe('parseRate', () => {
  test('rclone units are 1024-based; plain numbers are bytes per second; off means no limit', () => {
    assert.equal(parseRate('512k'), 512 * KiB);
    assert.equal(parseRate('512K'), 512 * KiB);
    assert.equal(parseRate('10M'), 10 * MiB);
    assert.equal(parseRate('1.5M'), 1.5 * MiB);
    assert.equal(parseRate('2G'), 2 * 1024 * MiB);
    assert.equal(parseRate('4MiB'), 4 * MiB);
    assert.equal(parseRate('64KB'), 64 * KiB);
    assert.equal(parseRate('1000'), 1000);
    assert.equal(parseRate('off'), undefined);
    assert.equal(parseRate('OFF'), undefined);
  });

  test('bad rates are refused with the text and how to write it', () => {
    for (const bad of ['fast', '10 parsecs', '-5k', '1.5.1M', '']) {
      assert.throws(
        () => parseRate(bad),
        (error: unknown) =>
          error instanceof BandwidthSpecError &&
          error.message.includes(`"${bad}"`) &&
          error.hint.includes('512k') &&
          error.hint.includes('08:00,512k'),
      );
    }
    assert.throws(() => parseRate('0'), /would stop uploads altogether/);
  });
});

describe('parseBandwidth', () => {
  test('a single rate, a number, and nothing at all', () => {
    assert.equal(parseBandwidth('10M').limitAt(at(2, 3)), 10 * MiB);
    assert.equal(parseBandwidth(2048).limitAt(at(6, 23)), 2048);
    assert.equal(parseBandwidth(undefined).limitAt(at(0, 0)), undefined);
    assert.equal(parseBandwidth('off').isUnlimited, true);
  });

  test('a daily timetable holds each limit until the next entry, across midnight', () => {
    const table = parseBandwidth('08:00,512k 18:00,off');
    assert.equal(table.limitAt(at(0, 7, 59)), undefined);
    assert.equal(table.limitAt(at(0, 8, 0)), 512 * KiB);
    assert.equal(table.limitAt(at(3, 17, 59)), 512 * KiB);
    assert.equal(table.limitAt(at(3, 18, 0)), undefined);
    assert.equal(table.limitAt(at(6, 23, 59)), undefined);

    const night = parseBandwidth('08:00,1M 23:00,256k');
    assert.equal(night.limitAt(at(2, 23, 30)), 256 * KiB);
    assert.equal(
      night.limitAt(at(3, 2, 0)),
      256 * KiB,
      'after midnight the previous evening entry still holds',
    );
    assert.equal(night.limitAt(at(0, 0, 0)), 256 * KiB, 'Monday 00:00 wraps to Sunday 23:00');
    assert.equal(night.limitAt(at(3, 8, 0)), MiB);
  });

  test('a weekly timetable holds across days and wraps from Sunday to Monday', () => {
    const table = parseBandwidth('Mon-08:00,512k Sat-00:00,off');
    assert.equal(table.limitAt(at(0, 7, 59)), undefined, 'Monday before 08:00: still the weekend');
    assert.equal(table.limitAt(at(0, 8, 0)), 512 * KiB);
    assert.equal(table.limitAt(at(2, 12, 0)), 512 * KiB);
    assert.equal(table.limitAt(at(4, 23, 59)), 512 * KiB);
    assert.equal(table.limitAt(at(5, 0, 0)), undefined);
    assert.equal(table.limitAt(at(6, 23, 0)), undefined);

    const wrapped = parseBandwidth('fri-18:00,1M Monday-06:00,off');
    assert.equal(wrapped.limitAt(at(6, 12, 0)), MiB);
    assert.equal(wrapped.limitAt(at(0, 5, 59)), MiB);
    assert.equal(wrapped.limitAt(at(0, 6, 0)), undefined);
  });

  test('daily and weekly entries mix; the same slot given twice is refused', () => {
    const table = parseBandwidth('08:00,1M 18:00,off Sat-09:00,off');
    assert.equal(table.limitAt(at(4, 9, 0)), MiB);
    assert.equal(table.limitAt(at(5, 8, 30)), MiB);
    assert.equal(table.limitAt(at(5, 10, 0)), undefined, 'Saturday stops at 09:00');
    assert.equal(table.limitAt(at(6, 9, 0)), MiB, 'Sunday is an ordinary day again');
    assert.throws(() => parseBandwidth('08:00,1M Sat-08:00,off'), /both set the limit for the same time/);
  });

  test('bad timetables name the entry and the fix', () => {
    const cases: [string, RegExp][] = [
      ['25:00,1M', /"25:00" in "25:00,1M" is not a time of day/],
      ['08:61,1M', /is not a time of day/],
      ['Xyz-08:00,1M', /"Xyz" in "Xyz-08:00,1M" is not a day of the week/],
      ['08:00 18:00,off', /"08:00" is not "HH:MM,LIMIT"/],
      ['08:00,1M 18:00,lots', /"lots" is not a bandwidth limit/],
      ['08:00,1M 08:00,2M', /"08:00,1M" and "08:00,2M" both set the limit/],
      ['   ', /empty/],
    ];
    for (const [spec, expected] of cases) {
      assert.throws(
        () => parseBandwidth(spec),
        (error: unknown) => {
          assert.ok(error instanceof BandwidthSpecError, `${spec}: ${String(error)}`);
          assert.match(error.message, expected);
          assert.ok(error.hint.length > 0);
          return true;
        },
      );
    }
    assert.throws(() => parseBandwidth(0), /not a usable bandwidth limit/);
  });
});

describe('BandwidthLimiter', () => {
  test('over about a second of takes, the average stays within 15% of the limit', async () => {
    const limit = 256 * KiB;
    const limiter = new BandwidthLimiter(parseBandwidth(limit));
    const chunk = 8 * KiB;
    let taken = 0;
    const started = performance.now();
    while (performance.now() - started < 1000) {
      await limiter.take(chunk);
      taken += chunk;
    }
    const rate = taken / ((performance.now() - started) / 1000);
    assert.ok(
      Math.abs(rate - limit) / limit < 0.15,
      `average ${Math.round(rate)} B/s against a limit of ${limit}`,
    );
  });

  test('uploads in parallel share one limit, served in turn', async () => {
    const limiter = new BandwidthLimiter(parseBandwidth('1'));
    const order: string[] = [];
    const first = limiter.take(1).then(() => order.push('first'));
    const second = limiter.take(1).then(() => order.push('second'));
    limiter.setTimetable(parseBandwidth('off'));
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first', 'second']);
  });

  test('a new timetable applies at once to takes already waiting', { timeout: 5000 }, async () => {
    const limiter = new BandwidthLimiter(parseBandwidth('1'));
    let done = false;
    const waiting = limiter.take(MiB).then(() => {
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(done, false, 'a megabyte at 1 B/s is still waiting');
    limiter.setTimetable(parseBandwidth('off'));
    await waiting;
    assert.equal(limiter.currentLimit(), undefined);
  });

  test('the timetable boundary is noticed by takes already waiting', { timeout: 5000 }, async () => {
    let now = at(1, 17, 59);
    const limiter = new BandwidthLimiter(parseBandwidth('08:00,1 18:00,off'), { date: () => now });
    assert.equal(limiter.currentLimit(), 1);
    const waiting = limiter.take(MiB);
    now = at(1, 18, 0);
    await waiting;
    assert.equal(limiter.currentLimit(), undefined);
  });

  test('an aborted take rejects and lets the next one through', { timeout: 5000 }, async () => {
    const limiter = new BandwidthLimiter(parseBandwidth('1'));
    const controller = new AbortController();
    const stuck = limiter.take(MiB, controller.signal);
    const next = limiter.take(1);
    controller.abort(new Error('stopping'));
    await assert.rejects(stuck, /stopping/);
    limiter.setTimetable(parseBandwidth('off'));
    await next;
    await assert.rejects(
      limiter.take(1, controller.signal),
      /stopping/,
      'an already-aborted signal fails at once',
    );
  });
});
