import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import { BurstDetector } from '../main/engine/watch/burst.ts';
import { dropFile, makeSite, type Site, waitFor } from './support/engine-fixtures.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('BurstDetector (real timers)', () => {
  test('arrivals below the rate are no burst; a burst is reported once, after the quiet time', async () => {
    const calls: number[] = [];
    const burst = new BurstDetector((n) => calls.push(n), { perSecond: 10, quietMs: 100, cooldownMs: 0 });
    for (let i = 0; i < 9; i++) burst.note();
    await sleep(250);
    expect(calls).toEqual([]);
    for (let i = 0; i < 25; i++) burst.note();
    await sleep(50);
    expect(calls, 'not while files still arrive').toEqual([]);
    await sleep(200);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toBeGreaterThanOrEqual(10);
    burst.stop();
  });

  test('a burst within the cooldown is folded into one later call, never dropped; stop cancels', async () => {
    const calls: number[] = [];
    const burst = new BurstDetector((n) => calls.push(n), { perSecond: 5, quietMs: 50, cooldownMs: 1500 });
    for (let i = 0; i < 10; i++) burst.note();
    await sleep(150);
    expect(calls).toHaveLength(1);
    await sleep(1000); // a new one-second window
    for (let i = 0; i < 10; i++) burst.note();
    await sleep(150);
    expect(calls, 'inside the cooldown: waits').toHaveLength(1);
    await sleep(400);
    expect(calls).toHaveLength(2);
    for (let i = 0; i < 10; i++) burst.note();
    burst.stop();
    await sleep(600);
    expect(calls).toHaveLength(2);
  });
});

/**
 * A real engine: folder `quiet` is polled once an hour, so a file dropped there is not reported by the
 * watcher: it stands in for a file whose event the kernel dropped when the inotify queue overflowed
 * (which cannot be caused on demand here without changing the machine's sysctl). A burst of files in
 * folder `busy` makes the engine scan every folder once the burst is over, and the unreported file is
 * queued within seconds; with periodic reconciliation off it would wait for the next restart.
 */
describe('a burst of arrivals is followed by a scan of every folder', () => {
  let site: Site;
  let engine: CaptureEngine;
  let busy: string;
  let quiet: string;

  beforeAll(async () => {
    site = await makeSite(({ captures, dataDir }) => {
      busy = join(captures, 'busy');
      quiet = join(captures, 'quiet');
      return `site: burst-site
device: gw-1
dataDir: ${dataDir}
folders:
  - id: busy
    path: ${busy}
  - id: quiet
    path: ${quiet}
    polling: true
    pollInterval: 1h
reconcileInterval: 0
rules:
  - name: all
    when: { extension: txt }
    action: upload
defaultAction: { action: skip, reason: not a text file }
`;
    });
    await mkdir(busy, { recursive: true });
    await mkdir(quiet, { recursive: true });
    engine = new CaptureEngine(await loadConfig(site.configPath), {
      transfer: false,
      burst: { perSecond: 50, quietMs: 300, cooldownMs: 0 },
    });
    await engine.start();
    await engine.settled();
  });
  afterAll(async () => {
    await engine?.stop();
    await site?.cleanup();
  });

  test('the unreported file is queued after the burst, and the activity says why the folders were scanned', async () => {
    const missed = join(quiet, 'missed.txt');
    await dropFile(missed, 'not reported\n');
    await sleep(1500);
    expect(engine.queue.getByPath(missed), 'not seen without a scan').toBeUndefined();

    // 200 files renamed into `busy` as fast as this process can.
    const staging = join(site.root, 'staging');
    await mkdir(staging, { recursive: true });
    for (let i = 0; i < 200; i++) await writeFile(join(staging, `f${i}.txt`), `${i}\n`);
    for (let i = 0; i < 200; i++) await rename(join(staging, `f${i}.txt`), join(busy, `f${i}.txt`));

    await waitFor(
      () => engine.queue.getByPath(missed)?.state === 'queued',
      'the unreported file queued',
      20_000,
    );
    const notes = engine.queue.select("SELECT detail FROM events WHERE kind = 'burst-rescan'");
    expect(notes.length).toBeGreaterThanOrEqual(1);
    expect(String(notes[0]?.['detail'])).toMatch(/files arrived in a burst; capture folders scanned/);
    await waitFor(() => engine.queue.counts().queued === 201, 'every burst file queued too', 20_000);
  });
});
