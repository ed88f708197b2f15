/**
 * An operator can pause all uploads (the UI's button, `edge-capture pause`) and resume them. Capture
 * and decisions go on; no upload starts while paused; the pause holds across a restart; a running
 * engine follows the CLI within a heartbeat. Real engine, real filesystem destination, real CLI.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { dropFile, makeSite, type Site, waitFor } from './support/engine-fixtures.ts';

const CLI = join(import.meta.dirname, '..', 'main', 'cli', 'index.ts');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function pausedSite(): Promise<{ site: Site; store: string }> {
  const root = await mkdtemp(join(tmpdir(), 'edge-pause-'));
  const store = join(root, 'store');
  await mkdir(store);
  const site = await makeSite(
    ({ captures, dataDir }) => `
site: pause
dataDir: ${dataDir}
folders: [{ id: cam, path: ${captures}, stableWindow: 200ms }]
reconcileInterval: 0
rules: [{ name: all, action: upload }]
destination: { type: filesystem, path: ${store} }
`,
  );
  cleanups.push(
    () => site.cleanup(),
    () => rm(root, { recursive: true, force: true }),
  );
  return { site, store };
}

const storedFiles = async (store: string) =>
  (await readdir(store, { recursive: true, withFileTypes: true })).filter(
    (e) => e.isFile() && !e.name.startsWith('.'),
  ).length;

describe('operator pause of all uploads', () => {
  test('paused: files are decided and wait queued; resumed: they upload; the pause holds across a restart', async () => {
    const { site, store } = await pausedSite();
    let engine = new CaptureEngine(await loadConfig(site.configPath));
    cleanups.push(() => engine.stop().catch(() => {}));
    await engine.start();
    const pause = engine.pauseUploads('the test');
    assert.equal(engine.uploadsPaused()?.by, 'the test');
    assert.equal(engine.uploadStatus()?.operatorPaused, true);
    for (let i = 0; i < 4; i++) await dropFile(join(site.captures, `f${i}.txt`), `file ${i}`);
    await waitFor(() => engine.queue.counts().queued === 4, 'four files decided and queued');
    // A quiet spell in which an unpaused engine would long have uploaded them (it takes milliseconds).
    await delay(1500);
    assert.equal(engine.queue.counts().queued, 4);
    assert.equal(await storedFiles(store), 0, 'nothing reached the destination while paused');

    await engine.stop();
    engine = new CaptureEngine(await loadConfig(site.configPath));
    await engine.start();
    assert.deepEqual(engine.uploadsPaused(), pause, 'the pause survives a restart');
    await delay(1000);
    assert.equal(engine.queue.counts().queued, 4);

    engine.resumeUploads('the test');
    await waitFor(() => engine.queue.counts().retained === 4, 'the four files uploaded after resume');
    assert.equal(await storedFiles(store), 4);
    const notes = engine.queue
      .changesSince(0, 10_000)
      .map((c) => c.detail ?? '')
      .filter((d) => /paused by|resumed by/.test(d));
    assert.deepEqual(notes, ['all uploads paused by the test', 'uploads resumed by the test']);
    await engine.stop();
  });

  test('`edge-capture pause` and `resume` steer a running engine; status says so', async () => {
    const { site, store } = await pausedSite();
    const child = spawn(process.execPath, [CLI, 'run', '--config', site.configPath, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(async () => {
      child.kill('SIGKILL');
    });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    await waitFor(() => /watching 1 folder/.test(output), 'the engine to start', 60_000);
    const db = join(site.dataDir, 'queue.db');
    const read = <T>(fn: (queue: CaptureQueue) => T): T => {
      const queue = new CaptureQueue(db, { readOnly: true });
      try {
        return fn(queue);
      } finally {
        queue.close();
      }
    };

    const paused = cli('pause', '--config', site.configPath);
    assert.equal(paused.status, 0, paused.stderr);
    assert.match(paused.stdout, /Uploads paused/);
    assert.match(cli('status', '--config', site.configPath).stdout, /UPLOADS PAUSED by edge-capture pause/);
    // The running engine reads the pause at its next heartbeat (every 2 s) and notes it.
    await waitFor(
      () =>
        read((q) =>
          q.changesSince(0, 10_000).some((c) => c.detail === 'all uploads paused by edge-capture pause'),
        ),
      'the engine to apply the pause',
    );
    await dropFile(join(site.captures, 'held-back.txt'), 'wait for resume');
    await waitFor(() => read((q) => q.counts().queued) === 1, 'the file decided and queued');
    await delay(1500);
    assert.equal(await storedFiles(store), 0, 'no upload started while paused');

    const resumed = cli('resume', '--config', site.configPath);
    assert.equal(resumed.status, 0, resumed.stderr);
    await waitFor(async () => (await storedFiles(store)) === 1, 'the upload after resume', 30_000);
    assert.doesNotMatch(cli('status', '--config', site.configPath).stdout, /UPLOADS PAUSED/);
    assert.match(cli('resume', '--config', site.configPath).stdout, /were not paused/);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  });
});
