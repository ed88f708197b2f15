/** What the simulated sensor writes: decodable JPEGs with Exif, prediction sidecars, planted PII, rates. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import exifr from 'exifr';
import { afterAll, describe, test } from 'vitest';
import { parseRate, type SimulatedCapture, type SimulateOptions, simulate } from '../main/simulate/index.ts';
import { isLuhnValid } from '../main/simulate/pii.ts';

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function capturesOf(opts: Omit<SimulateOptions, 'to' | 'ratePerSec'>): Promise<SimulatedCapture[]> {
  const to = await mkdtemp(join(tmpdir(), 'edge-sim-content-'));
  made.push(to);
  const captures: SimulatedCapture[] = [];
  await simulate({ to, ratePerSec: Number.POSITIVE_INFINITY, ...opts, onCapture: (c) => captures.push(c) });
  return captures.sort((a, b) => a.seq - b.seq);
}

/** Walks JPEG segments from SOI to SOS, then checks the scan ends in EOI: a structural decode. */
function assertWellFormedJpeg(data: Buffer, name: string): void {
  assert.equal(data.readUInt16BE(0), 0xffd8, `${name} starts with SOI`);
  assert.equal(data.readUInt16BE(data.length - 2), 0xffd9, `${name} ends with EOI`);
  let at = 2;
  const markers: number[] = [];
  for (;;) {
    assert.equal(data[at], 0xff, `${name}: segment marker at ${at}`);
    const marker = data[at + 1]!;
    markers.push(marker);
    at += 2 + data.readUInt16BE(at + 2);
    if (marker === 0xda) break;
    assert.ok(at < data.length, `${name}: segments run past the end`);
  }
  assert.equal(markers[0], 0xe1, `${name}: APP1 Exif comes first`);
  for (const needed of [0xdb, 0xc0, 0xc4, 0xda])
    assert.ok(markers.includes(needed), `${name}: marker ${needed}`);
}

const EMAIL = /[a-z.]+@example\.(com|org|net)/;
const IBAN = /\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b/;
const IPV4 = /\b\d{1,3}(\.\d{1,3}){3}\b/;
const PHONE = /\+(44 7700 900\d{3}|1 \(555\) 010-\d{4})/;
const CARD = /\b4\d{3}( \d{4}){3}\b/;

describe('simulated content', () => {
  test('images are well-formed JPEGs with EdgeCam Exif, each with a sidecar of predictions', async () => {
    const before = Date.now();
    const captures = await capturesOf({ count: 60, seed: 5, mix: { image: 1 } });
    const scores: number[] = [];
    const counts = new Set<number>();
    const hashes = new Set<string>();
    for (const capture of captures) {
      const data = await readFile(capture.path);
      assertWellFormedJpeg(data, capture.relativePath);
      hashes.add(data.toString('base64'));
      const exif = await exifr.parse(data, true);
      assert.equal(exif.Make, 'EdgeCam');
      assert.match(exif.Model, /^EC-\d+$/);
      assert.ok(exif.DateTimeOriginal instanceof Date);
      // Exif times have whole seconds and no zone; allow for both.
      assert.ok(Math.abs(exif.DateTimeOriginal.getTime() - before) < 15 * 3_600_000);
      assert.ok(capture.sidecar?.endsWith(capture.path.replace(/^.*\//, '').replace(/\.jpg$/, '.pred.json')));
      const sidecar = JSON.parse(await readFile(capture.sidecar!, 'utf8'));
      assert.equal(sidecar.model_version, 'yolo-edge-1.4.2');
      assert.ok(Array.isArray(sidecar.predictions) && sidecar.predictions.length <= 4);
      counts.add(sidecar.predictions.length);
      for (const p of sidecar.predictions) {
        assert.ok(['person', 'car', 'forklift', 'pallet', 'helmet'].includes(p.label), p.label);
        assert.ok(p.score >= 0 && p.score <= 1);
        for (const key of ['x', 'y', 'w', 'h']) assert.ok(p.box[key] >= 0 && p.box[key] <= 1, `box.${key}`);
        scores.push(p.score);
      }
    }
    assert.equal(hashes.size, captures.length, 'every frame has its own bytes');
    assert.ok(counts.has(0) && counts.has(4), `prediction counts seen: ${[...counts]}`);
    assert.ok(
      scores.some((s) => s > 0.9),
      'some confident predictions',
    );
    assert.ok(
      scores.some((s) => Math.abs(s - 0.5) <= 0.1),
      'some uncertain predictions',
    );
    assert.ok(
      scores.some((s) => s < 0.3),
      'some weak predictions',
    );
  });

  test('corrupt captures are .jpg files that do not end in EOI; empty captures are empty', async () => {
    const corrupt = await capturesOf({ count: 20, seed: 6, mix: { corrupt: 1 } });
    for (const capture of corrupt) {
      const data = await readFile(capture.path);
      assert.ok(capture.path.endsWith('.jpg'));
      assert.equal(capture.sidecar, undefined);
      assert.ok(data.length > 2);
      assert.notEqual(data.readUInt16BE(data.length - 2), 0xffd9, `${capture.relativePath} looks complete`);
    }
    const empty = await capturesOf({ count: 10, seed: 6, mix: { empty: 1 } });
    for (const capture of empty) assert.equal((await readFile(capture.path)).length, 0);
  });

  test('the share of text captures with PII follows piiShare, and hasPii is truthful', async () => {
    const captures = await capturesOf({
      count: 600,
      seed: 8,
      mix: { csv: 1, log: 1, json: 1 },
      piiShare: 0.3,
    });
    const share = captures.filter((c) => c.hasPii).length / captures.length;
    assert.ok(share > 0.24 && share < 0.36, `PII share ${share}`);
    const found = new Set<string>();
    for (const capture of captures) {
      const text = await readFile(capture.path, 'utf8');
      if (capture.kind === 'json') JSON.parse(text);
      if (!capture.hasPii) {
        assert.deepEqual(capture.pii, []);
        for (const pattern of [/@/, IPV4, IBAN, /\d{9,}/])
          assert.doesNotMatch(text, pattern, capture.relativePath);
        continue;
      }
      const checks: Record<string, () => void> = {
        email: () => assert.match(text, EMAIL),
        phone: () => assert.match(text, PHONE),
        ip: () => assert.match(text, IPV4),
        iban: () => assert.match(text, IBAN),
        card: () => {
          const card = CARD.exec(text)?.[0].replaceAll(' ', '');
          assert.ok(card && isLuhnValid(card), `Luhn-valid card in ${capture.relativePath}`);
        },
      };
      for (const kind of capture.pii) {
        checks[kind]!();
        found.add(`${capture.kind}:${kind}`);
      }
    }
    for (const expected of [
      'csv:email',
      'csv:phone',
      'csv:card',
      'csv:iban',
      'log:email',
      'log:ip',
      'json:email',
    ]) {
      assert.ok(found.has(expected), `planted ${expected}`);
    }
  });

  test('about one text capture in ten carries PII by default', async () => {
    const captures = await capturesOf({ count: 600, seed: 12, mix: { csv: 1, log: 1, json: 1 } });
    const share = captures.filter((c) => c.hasPii).length / captures.length;
    assert.ok(share > 0.06 && share < 0.14, `PII share ${share}`);
  });

  test('CSV readings have the sensor header and well-formed rows', async () => {
    const [capture] = await capturesOf({ count: 1, seed: 13, mix: { csv: 1 } });
    const lines = (await readFile(capture!.path, 'utf8')).trimEnd().split('\n');
    assert.equal(lines[0], 'timestamp,sensor_id,temperature_c,humidity_pct,pressure_hpa,vibration_mm_s,note');
    assert.ok(lines.length > 20);
    for (const line of lines.slice(1))
      assert.match(line, /^\d{4}-\d{2}-\d{2}T[\d:.]+Z,TS-\d{2},[\d.]+,[\d.]+,/);
  });
});

describe('parseRate', () => {
  test('reads per-second, per-minute, per-hour and plain numbers', () => {
    assert.equal(parseRate('10/s'), 10);
    assert.equal(parseRate('600/min'), 10);
    assert.equal(parseRate('36000/h'), 10);
    assert.equal(parseRate(' 2.5 / sec '), 2.5);
    assert.equal(parseRate('5'), 5);
    assert.equal(parseRate('1000/S'), 1000);
    assert.equal(parseRate('max'), Number.POSITIVE_INFINITY);
  });

  test('refuses anything else with an example of what works', () => {
    for (const bad of ['', 'abc', '10/fortnight', '-5', '10/', '5 per s', '1e3']) {
      assert.throws(() => parseRate(bad), /rate: cannot read .*"600\/min"/, bad);
    }
    assert.throws(() => parseRate('0/s'), /rate: .*above 0/);
  });
});
