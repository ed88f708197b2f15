import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import type { FileRecord } from '../main/engine/queue/types.ts';
import { NOBODY, nodeForNobody } from './support/as-nobody.ts';
import { makeSite, type Site, waitFor } from './support/engine-fixtures.ts';

/**
 * Only "no such file" means a file is gone. A subfolder someone made unreadable, or a network
 * mount answering EIO/ESTALE, must not mark the files in it vanished: that would drop them from the
 * queue for good. The engine runs as `nobody` here, since root reads through any permission.
 */

const CLI = path.join(import.meta.dirname, '..', 'main', 'cli', 'index.ts');
const TIMEOUT_MS = 60_000;

let site: Site;
beforeAll(async () => {
  site = await makeSite(
    ({ captures, dataDir }) => `
site: stat-site
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    stableWindow: 200ms
  - id: nfs
    path: ${captures}-nfs
    stableWindow: 200ms
    polling: true
    pollInterval: 100ms
reconcileInterval: 1s
rules: []
defaultAction: { action: hold, reason: held for the test }
`,
  );
});
afterAll(async () => {
  await site.cleanup();
});

/** Reads the engine's queue from outside (read-only); empty until the engine has created it. */
function readQueue<T>(read: (queue: CaptureQueue) => T, empty: T): T {
  if (!existsSync(path.join(site.dataDir, 'queue.db'))) return empty;
  let queue: CaptureQueue | undefined;
  try {
    queue = new CaptureQueue(path.join(site.dataDir, 'queue.db'), { readOnly: true });
    return read(queue);
  } catch (error) {
    if (/no such table|unable to open/.test(String(error))) return empty;
    throw error;
  } finally {
    queue?.close();
  }
}

function queueRecords(): Map<string, FileRecord> {
  return readQueue(
    (queue) => new Map(queue.list({ limit: 1000 }).items.map((r) => [r.absPath, r])),
    new Map(),
  );
}

function problemNotes(): string[] {
  return readQueue(
    (queue) =>
      queue
        .changesSince(0, 100_000)
        .filter((change) => change.kind === 'problem')
        .map((change) => change.detail ?? ''),
    [],
  );
}

const stateOf = (absPath: string) => queueRecords().get(absPath)?.state;

describe('stat errors are not "vanished"', () => {
  test('files under a subfolder the engine can no longer read keep their state; a deleted file still vanishes', async () => {
    const nfs = `${site.captures}-nfs`;
    const locked = path.join(site.captures, 'sub');
    const lockedNfs = path.join(nfs, 'sub');
    const inLocked = path.join(locked, 'a.jpg');
    const inLockedNfs = path.join(lockedNfs, 'b.jpg');
    const top = path.join(site.captures, 'top.jpg');
    for (const file of [inLocked, inLockedNfs, top]) {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, `bytes of ${path.basename(file)}`);
    }
    await fs.mkdir(site.dataDir, { recursive: true });
    for (const dir of [site.captures, nfs, site.dataDir]) await chownTree(dir);
    await fs.chmod(site.root, 0o755);
    const node = await nodeForNobody(site.root);

    const engine = spawn(node, [CLI, 'run', '--config', site.configPath, '--json'], {
      ...NOBODY,
      cwd: site.root,
      env: { ...process.env, HOME: site.root },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    engine.stdout.on('data', (chunk) => (output += chunk));
    engine.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => engine.once('exit', resolve));
    try {
      await waitFor(
        async () => {
          const states = [inLocked, inLockedNfs, top].map((file) => stateOf(file));
          return states.every((state) => state === 'held') || (engine.exitCode !== null && 'exited');
        },
        'the engine (as nobody) to hold all three files',
        TIMEOUT_MS,
      );
      assert.equal(engine.exitCode, null, `the engine exited: ${output}`);

      // Someone takes the engine's access to a subfolder away.
      await fs.chmod(locked, 0o000);
      await fs.chmod(lockedNfs, 0o000);
      const checked = (file: string) => problemNotes().some((note) => note.includes(`check ${file}`));
      await waitFor(
        () => [inLocked, inLockedNfs].every((file) => stateOf(file) === 'vanished' || checked(file)),
        'a reconciliation pass over the locked subfolders',
        TIMEOUT_MS,
      );
      assert.equal(stateOf(inLocked), 'held', 'a file in an unreadable subfolder is not vanished');
      assert.equal(stateOf(inLockedNfs), 'held', 'nor when the folder is polled');
      const note = problemNotes().find((n) => n.includes(`check ${inLocked}`)) ?? '';
      assert.match(note, /^cam: Permission denied when trying to check .*it keeps its state/);
      assert.match(note, /give the user that runs edge-capture read and execute permission/);

      // A file that really is gone still is.
      await fs.rm(top);
      await waitFor(() => stateOf(top) === 'vanished', 'the deleted file to vanish', TIMEOUT_MS);
      assert.equal(stateOf(inLocked), 'held');
    } finally {
      engine.kill('SIGTERM');
      await exited;
      await fs.chmod(locked, 0o755).catch(() => {});
      await fs.chmod(lockedNfs, 0o755).catch(() => {});
    }
  });
});

async function chownTree(dir: string): Promise<void> {
  await fs.chown(dir, NOBODY.uid, NOBODY.gid);
  for (const entry of await fs.readdir(dir, { recursive: true })) {
    await fs.chown(path.join(dir, entry), NOBODY.uid, NOBODY.gid);
  }
}
