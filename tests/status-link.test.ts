/**
 * What `status` and the run log say about the link to the store must survive restarts: the last
 * success and the start of an outage are the engine's memory, not one run's. Real engine, real
 * filesystem destination whose folder is made unusable, real CLI.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import { dropFile, makeSite, type Site, waitFor } from './support/engine-fixtures.ts';

const CLI = join(import.meta.dirname, '..', 'main', 'cli', 'index.ts');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });

const sites: Site[] = [];
const engines: CaptureEngine[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const engine of engines) await engine.stop().catch(() => {});
  for (const site of sites) await site.cleanup();
  for (const cleanup of cleanups) await cleanup();
});

const uploadedCount = (engine: CaptureEngine) => {
  const counts = engine.queue.counts();
  return counts.uploaded + counts.retained + counts.removed;
};

async function startEngine(site: Site): Promise<CaptureEngine> {
  const engine = new CaptureEngine(await loadConfig(site.configPath));
  engines.push(engine);
  await engine.start();
  return engine;
}

describe('the link to the store across restarts', () => {
  test('last success and offline-since survive a restart during an outage', async () => {
    const root = await mkdtemp(join(tmpdir(), 'edge-link-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    await mkdir(join(root, 'store'));
    const site = await makeSite(
      ({ captures, dataDir }) => `
site: link
dataDir: ${dataDir}
folders: [{ id: cam, path: ${captures}, stableWindow: 200ms }]
reconcileInterval: 0
rules: [{ name: all, action: upload }]
destination: { type: filesystem, path: ${join(root, 'store')} }
upload:
  offlineProbeInterval: 500ms
`,
    );
    sites.push(site);
    let engine = await startEngine(site);
    for (let i = 0; i < 3; i++) await dropFile(join(site.captures, `before-${i}.txt`), `before ${i}`);
    await waitFor(() => uploadedCount(engine) === 3, 'the first uploads');
    const lastSuccessAt = engine.uploadStatus()?.lastSuccessAt;
    assert.ok(lastSuccessAt);

    await engine.stop();

    // The store becomes unusable (its folder replaced by a file) and a second run notices.
    await rename(join(root, 'store'), join(root, 'store.moved'));
    await writeFile(join(root, 'store'), 'not a folder');
    engine = await startEngine(site);
    await dropFile(join(site.captures, 'during.txt'), 'during the outage');
    await waitFor(() => engine.uploadStatus()?.online === false, 'the engine to notice the outage');
    const offlineSince = engine.uploadStatus()?.offlineSince;
    assert.ok(offlineSince);
    await engine.stop();

    // Restart while the store is still unreachable: the queued file is tried again and fails.
    engine = await startEngine(site);
    await waitFor(() => engine.uploadStatus()?.online === false, 'the restarted engine to notice the outage');
    assert.equal(engine.uploadStatus()?.offlineSince, offlineSince, 'offline since the first run noticed');
    assert.equal(engine.uploadStatus()?.lastSuccessAt, lastSuccessAt, 'the last success of the first run');

    const status = cli('status', '--config', site.configPath);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /Engine: running/);
    assert.match(
      status.stdout,
      new RegExp(`Uploads: OFFLINE for .* \\(since ${new Date(offlineSince).toISOString()}\\)`),
    );
    assert.match(status.stdout, /last upload .* ago/);
    assert.doesNotMatch(status.stdout, /nothing uploaded yet/);

    // Once the store works again, the outage is over for good.
    await rm(join(root, 'store'));
    await rename(join(root, 'store.moved'), join(root, 'store'));
    await waitFor(() => uploadedCount(engine) === 4, 'the file queued during the outage');
    assert.equal(engine.uploadStatus()?.online, true);
    assert.ok((engine.uploadStatus()?.lastSuccessAt ?? 0) > lastSuccessAt);
    await engine.stop();
    const after = cli('status', '--config', site.configPath);
    assert.match(after.stdout, /Uploads \(when the engine last ran\): the store answered/, after.stderr);
  });

  test('the run log status lines carry the link state and the last success', async () => {
    const site = await makeSite(
      ({ captures, dataDir }) => `
site: runlog
dataDir: ${dataDir}
folders: [{ id: cam, path: ${captures}, stableWindow: 200ms }]
rules: [{ name: all, action: upload }]
`,
    );
    sites.push(site);
    const engine = spawn(process.execPath, [CLI, 'run', '--config', site.configPath, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    engine.stdout.on('data', (chunk) => (output += chunk));
    try {
      await waitFor(() => /watching 1 folder/.test(output), 'the engine');
      await dropFile(join(site.captures, 'a.txt'), 'hello');
      // Status lines come every 10 s; the first one after the upload carries its time.
      const line = await waitFor(
        () =>
          output
            .split('\n')
            .filter((text) => text.includes('"msg":"status"'))
            .map((text) => JSON.parse(text))
            .find((entry) => entry.lastSuccess),
        'a status line after the upload',
        45_000,
      );
      assert.equal(line.link, 'online');
      assert.ok(!Number.isNaN(Date.parse(line.lastSuccess)));
    } finally {
      engine.kill('SIGTERM');
    }
    assert.equal(await new Promise((resolve) => engine.once('exit', resolve)), 0);
  });
});
