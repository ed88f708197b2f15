import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { describe, test } from 'vitest';
import { NoticePolicy } from '../main/electron/notifications.ts';
import { trayIconPng } from '../main/electron/tray-icons.ts';
import { trayState } from '../main/electron/tray-state.ts';
import type { QueueChangeMessage } from '../shared/contract/index.ts';

const MIN = 60_000;
const quarantined = (seq: number, relPath: string): QueueChangeMessage => ({
  seq,
  at: seq,
  fileId: seq,
  kind: 'state',
  from: 'inspected',
  to: 'quarantined',
  relPath,
});

describe('electron tray state', () => {
  const now = 10 * 60 * MIN;
  test('uploading, idle, offline and needs attention, most urgent first', () => {
    assert.equal(
      trayState({ host: 'running', counts: { queued: 3 }, destinations: [], now }).icon,
      'uploading',
    );
    const idle = trayState({ host: 'running', counts: { uploaded: 9 }, destinations: [], now });
    assert.deepEqual(idle, { icon: 'idle', tooltip: 'Edge Capture\nAll caught up' });
    const offline = trayState({
      host: 'running',
      counts: { queued: 12, quarantined: 1 },
      destinations: [{ name: 'core-s3', state: 'offline', since: now - 42 * MIN }],
      now,
    });
    assert.equal(offline.icon, 'offline');
    assert.equal(
      offline.tooltip,
      'Edge Capture\nOffline for 42 min: core-s3\n12 file(s) to upload\n1 file(s) need attention',
    );
    const attention = trayState({ host: 'running', counts: { queued: 2, held: 1 }, destinations: [], now });
    assert.equal(attention.icon, 'attention');
    const restarting = trayState({ host: 'restarting', destinations: [], now });
    assert.deepEqual(restarting, { icon: 'attention', tooltip: 'Edge Capture\nEngine stopped; restarting' });
    const problem = trayState({
      host: 'running',
      destinations: [],
      problem: 'Capture paused: disk full',
      now,
    });
    assert.equal(problem.icon, 'attention');
    assert.match(problem.tooltip, /Capture paused: disk full/);
  });

  test('the icons are valid PNGs, one colour per state', () => {
    const colours = new Set<string>();
    for (const icon of ['idle', 'uploading', 'offline', 'attention'] as const) {
      const png = trayIconPng(icon);
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.equal(png.readUInt32BE(16), 32);
      const idatLength = png.readUInt32BE(33);
      assert.equal(png.toString('ascii', 37, 41), 'IDAT');
      const pixels = inflateSync(png.subarray(41, 41 + idatLength));
      assert.equal(pixels.length, 32 * (1 + 32 * 4));
      const centre = 16 * (1 + 32 * 4) + 1 + 16 * 4;
      colours.add(pixels.subarray(centre, centre + 3).toString('hex'));
      assert.equal(pixels[centre + 3], 255, 'opaque in the middle');
      assert.equal(pixels[1 + 3], 0, 'transparent in the corner');
    }
    assert.equal(colours.size, 4);
  });
});

describe('electron notifications policy', () => {
  test('quarantined files: one notice at once, then at most one a minute summing the rest', () => {
    const policy = new NoticePolicy();
    policy.changes([quarantined(1, 'cam/a.jpg')]);
    assert.deepEqual(
      policy.tick(0).map((n) => `${n.title} | ${n.body.split(':')[0]}`),
      ['A file was quarantined | cam/a.jpg'],
    );
    policy.changes([quarantined(2, 'cam/b.jpg'), quarantined(3, 'cam/c.jpg')]);
    policy.changes([{ ...quarantined(4, 'cam/d.jpg'), from: 'quarantined' }]); // already there: not news
    policy.changes([{ ...quarantined(5, 'cam/e.jpg'), to: 'uploaded' }]);
    assert.deepEqual(policy.tick(30_000), [], 'rate-limited');
    const [notice] = policy.tick(MIN);
    assert.equal(notice?.title, '2 files were quarantined');
    assert.match(notice?.body ?? '', /^cam\/b\.jpg and 1 more: set aside/);
    assert.deepEqual(policy.tick(3 * MIN), []);
  });

  test('a long offline spell is said once, and its end only if its start was', () => {
    const policy = new NoticePolicy({ offlineAfterMs: 15 * MIN });
    policy.connectivity([{ name: 'core-s3', state: 'offline', since: 0 }], 0);
    assert.deepEqual(policy.tick(14 * MIN), []);
    const [offline] = policy.tick(16 * MIN);
    assert.equal(offline?.kind, 'offline');
    assert.match(offline?.body ?? '', /core-s3 has not answered for 16 minutes/);
    assert.deepEqual(policy.tick(30 * MIN), [], 'once per spell');
    policy.connectivity([{ name: 'core-s3', state: 'online' }], 31 * MIN);
    assert.deepEqual(
      policy.tick(31 * MIN).map((n) => n.kind),
      ['online'],
    );
    // A short blip is not worth a word either way.
    policy.connectivity([{ name: 'core-s3', state: 'offline', since: 40 * MIN }], 40 * MIN);
    policy.connectivity([{ name: 'core-s3', state: 'online' }], 42 * MIN);
    assert.deepEqual(policy.tick(60 * MIN), []);
  });

  test('an engine restart is always said', () => {
    const policy = new NoticePolicy();
    policy.engineRestarted('The engine process was killed and was restarted');
    assert.deepEqual(
      policy.tick(0).map((n) => n.title),
      ['Engine restarted'],
    );
  });
});
