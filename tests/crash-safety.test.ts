import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import type { FileState } from '../shared/status.ts';
import { dropFile, makeSite, waitFor } from './support/engine-fixtures.ts';

// Runs the real CLI engine as a child process over a stream of new files, kills it with
// SIGKILL at random moments, restarts it, and checks that every file ends in exactly one
// correct state with nothing lost and nothing recorded twice.

const CLI = join(import.meta.dirname, '..', 'main', 'cli', 'index.ts');
// Images are uploaded to the embedded local store (no destination configured) and kept locally.
const EXPECTED: Record<string, FileState> = { jpg: 'retained', csv: 'skipped', log: 'held' };

const site = await makeSite(
  ({ captures, dataDir }) => `
site: crash-test
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    completion: auto
    stableWindow: 200ms
reconcileInterval: 1s
rules:
  - name: images
    when: { extension: jpg }
    action: upload
  - name: tables
    when: { extension: csv }
    action: skip
    reason: tables stay local
  - name: logs
    when: { extension: log }
    action: hold
`,
);
afterAll(() => site.cleanup());

const dbPath = join(site.dataDir, 'queue.db');

function decidedSoFar(): number {
  if (!existsSync(dbPath)) return 0;
  const queue = new CaptureQueue(dbPath, { readOnly: true });
  try {
    // A reader can open the file while the first engine is still creating its tables.
    if (queue.select("SELECT 1 FROM sqlite_master WHERE name = 'state_counts'").length === 0) return 0;
    const counts = queue.counts();
    return (
      counts.queued + counts.uploading + counts.uploaded + counts.retained + counts.skipped + counts.held
    );
  } finally {
    queue.close();
  }
}

function startEngine(): ChildProcess {
  return spawn(process.execPath, [CLI, 'run', '--config', site.configPath, '--json'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

test('kill -9 at random moments loses no file and records none twice', async () => {
  const written: string[] = [];
  const kinds = Object.keys(EXPECTED);
  let writing = true;
  const writer = (async () => {
    for (let i = 0; i < 900; i++) {
      const ext = kinds[i % kinds.length]!;
      const path = join(site.captures, `batch${i % 7}`, `capture_${String(i).padStart(5, '0')}.${ext}`);
      await dropFile(path, `capture ${i}\n${'x'.repeat(i % 300)}`);
      written.push(path);
      if (i % 10 === 0) await delay(40);
    }
    writing = false;
  })();

  let kills = 0;
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  let killsMidWork = 0;
  while (writing || kills < 5) {
    const before = decidedSoFar();
    const child = startEngine();
    if (kills % 2 === 0) {
      // Every other kill lands while the engine is deciding: once it has stored some decisions, a
      // random moment later (a faster engine would otherwise often be killed before or after its work).
      const deadline = Date.now() + 10_000;
      while (decidedSoFar() === before && Date.now() < deadline) await delay(20);
      await delay(random() * 150);
    } else {
      await delay(300 + random() * 1200);
    }
    const progressed = decidedSoFar() > before;
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    kills++;
    if (progressed) killsMidWork++;
  }
  await writer;
  assert.ok(kills >= 5, 'the engine was killed at least five times');
  assert.ok(
    killsMidWork >= 3,
    `at least three kills hit an engine that was deciding files (${killsMidWork})`,
  );

  // A final clean run picks up everything left.
  const child = startEngine();
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  await waitFor(() => existsSync(dbPath), 'the queue database');
  await waitFor(
    () => {
      const queue = new CaptureQueue(dbPath, { readOnly: true });
      try {
        const beat = JSON.parse(queue.getMeta('heartbeat') ?? '{}');
        return beat.pid === child.pid && beat.running === true;
      } finally {
        queue.close();
      }
    },
    'the final engine to be up',
    30_000,
  );
  await waitFor(
    () => {
      const queue = new CaptureQueue(dbPath, { readOnly: true });
      try {
        const counts = queue.counts();
        const done = counts.retained + counts.skipped + counts.held;
        return done === written.length && counts.discovered === 0 && counts.inspected === 0;
      } finally {
        queue.close();
      }
    },
    'every written file to be decided',
    60_000,
  );
  child.kill('SIGTERM');
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, `engine exited cleanly after SIGTERM: ${stderr}`);

  const queue = new CaptureQueue(dbPath, { readOnly: true });
  try {
    const rows = queue.select('SELECT abs_path, state, object_key FROM files');
    assert.equal(rows.length, written.length, 'one row per written file, no extras (no temp names)');
    const byPath = new Map(rows.map((row) => [String(row.abs_path), String(row.state)]));
    for (const path of written) {
      const ext = path.split('.').pop()!;
      assert.equal(byPath.get(path), EXPECTED[ext], `${path} ends in the state its rule gives`);
    }
    // Every uploaded file is in the store, byte for byte.
    const uploaded = rows.filter((row) => row.state === 'retained');
    assert.equal(uploaded.length, written.filter((path) => path.endsWith('.jpg')).length);
    for (const row of uploaded) {
      const stored = await readFile(join(site.dataDir, 'local-store', String(row.object_key)));
      assert.deepEqual(stored, await readFile(String(row.abs_path)), `${row.object_key} matches its source`);
    }
  } finally {
    queue.close();
  }
});
