/**
 * Failures every file would hit are the destination's: the whole engine on a filesystem
 * destination that cannot work (its path runs through a file, it is full) pauses uploads, says
 * why in operator words with the fix, never reports itself online, and blames no file; once
 * the operator fixes the destination, uploads resume by themselves.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import type { FileRecord } from '../main/engine/queue/types.ts';
import { dropFile, makeSite, type Site, waitFor } from './support/engine-fixtures.ts';
import { allRecords, statesVisited, UPLOADED_STATES } from './support/upload-e2e-fixtures.ts';

const PROBE_INTERVAL_MS = 300;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startEngine(destinationPath: string): Promise<{ engine: CaptureEngine; site: Site }> {
  const site = await makeSite(
    ({ captures, dataDir }) => `
site: plant-7
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
reconcileInterval: 0
rules:
  - name: all
    action: upload
    key: "{site}/{name}"
destination: ${JSON.stringify({ type: 'filesystem', path: destinationPath, fsync: false })}
upload:
  offlineProbeInterval: ${PROBE_INTERVAL_MS}ms
  # One attempt: a failure counted against a file would quarantine it at once.
  maxAttempts: 1
  backoff: { initial: 50ms, max: 200ms }
`,
  );
  cleanups.push(() => site.cleanup());
  const engine = new CaptureEngine(await loadConfig(site.configPath));
  await engine.start();
  cleanups.push(() => engine.stop());
  return { engine, site };
}

function heartbeatOnline(engine: CaptureEngine): boolean | undefined {
  const beat = JSON.parse(engine.queue.getMeta('heartbeat') ?? '{}') as { upload?: { online?: boolean } };
  return beat.upload?.online;
}

/** Waits while paused (several probes), checking that no file is blamed and the engine never says online. */
async function expectPausedWithoutBlame(engine: CaptureEngine, files: number): Promise<FileRecord[]> {
  await waitFor(() => {
    const records = allRecords(engine.queue);
    return (
      engine.uploadStatus()?.online === false &&
      records.length === files &&
      records.every((r) => r.state === 'queued')
    );
  }, 'uploads to pause with every file queued');
  await waitFor(
    () => heartbeatOnline(engine) === false,
    'the heartbeat (edge-capture status) to say not online',
  );
  for (let i = 0; i < 10; i += 1) {
    assert.equal(engine.uploadStatus()?.online, false, 'never online while uploads fail');
    await delay(PROBE_INTERVAL_MS / 2);
  }
  const records = allRecords(engine.queue);
  for (const record of records) {
    assert.equal(record.attempts, 0, `${record.relPath}: no attempt counted`);
    const visited = statesVisited(engine.queue, record.id);
    for (const state of ['failed', 'quarantined'] as const) {
      assert.ok(!visited.includes(state), `${record.relPath} was never ${state}: ${visited.join(' → ')}`);
    }
  }
  return records;
}

test('a destination path whose parent is a file: paused with the fix, no file quarantined, resumes once fixed', async () => {
  const { site: scratch } = { site: await makeSite(() => '') };
  cleanups.push(() => scratch.cleanup());
  const blocker = join(scratch.root, 'mnt');
  await writeFile(blocker, 'a file where the share should be mounted');
  const share = join(blocker, 'share');
  const { engine, site } = await startEngine(share);
  for (const name of ['a.bin', 'b.bin', 'c.bin'])
    await dropFile(join(site.captures, name), `content of ${name}`);

  await expectPausedWithoutBlame(engine, 3);
  const status = engine.uploadStatus();
  assert.equal(status?.pausedFor, 'misconfigured');
  assert.equal(
    status?.lastError,
    `destination.path ${share} cannot be a folder: ${blocker} is a file, not a folder; point destination.path at a folder (or move that file away)`,
  );

  // The operator fixes it: the next probe succeeds and every file goes up.
  await rm(blocker);
  await mkdir(share, { recursive: true });
  await waitFor(
    () => allRecords(engine.queue).every((r) => UPLOADED_STATES.includes(r.state)),
    'every file to be uploaded after the fix',
  );
  assert.equal(engine.uploadStatus()?.online, true);
  assert.deepEqual((await readdir(join(share, 'plant-7'))).sort(), ['a.bin', 'b.bin', 'c.bin']);
});

test('a full destination: paused as full with the fix, no file blamed, resumes once there is room', async () => {
  const { site: scratch } = { site: await makeSite(() => '') };
  cleanups.push(() => scratch.cleanup());
  // A real, tiny file system (tmpfs of 64 KiB) filled to the last byte.
  const share = join(scratch.root, 'share');
  await mkdir(share);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', share]);
  cleanups.push(() => {
    execFileSync('umount', [share]);
  });
  const filler = join(share, 'filler');
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k', 'count=64'], { stdio: 'ignore' });
  } catch {
    // dd stops at ENOSPC: the share is full, which is the point.
  }
  const { engine, site } = await startEngine(share);
  // Different contents: identical ones would be skipped as duplicates.
  for (const [i, name] of ['a.bin', 'b.bin'].entries()) {
    await dropFile(join(site.captures, name), Buffer.alloc(8192, i + 1));
  }

  await expectPausedWithoutBlame(engine, 2);
  const status = engine.uploadStatus();
  assert.equal(status?.pausedFor, 'full');
  assert.match(
    status?.lastError ?? '',
    /the destination is full \(ENOSPC\); free space there or raise the quota/,
  );

  await rm(filler);
  await waitFor(
    () => allRecords(engine.queue).every((r) => UPLOADED_STATES.includes(r.state)),
    'every file to be uploaded once there is room',
  );
  assert.equal(engine.uploadStatus()?.online, true);
});
