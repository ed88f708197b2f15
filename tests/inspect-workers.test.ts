/**
 * Inspection worker threads (issue: engine hardening, item 20). Files are read, hashed and scanned
 * for personal data in worker threads, so the main thread (watcher, queue, rules) keeps its core.
 * Real files; the same files inspected in process and in workers must give the same answers.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import type { ResolvedInspect } from '../main/engine/config/types.ts';
import { createInspector, InspectFailure, type Inspector } from '../main/engine/inspect/index.ts';
import { InspectPool } from '../main/engine/inspect/worker-pool.ts';
import type { Inspection } from '../shared/inspection.ts';

const root = await mkdtemp(join(tmpdir(), 'edge-inspect-workers-'));
const captures = join(root, 'captures');
await mkdir(captures, { recursive: true });
afterAll(() => rm(root, { recursive: true, force: true }));

const CONFIG: ResolvedInspect = {
  sidecarPattern: '{stem}.pred.json',
  maxFileSize: 8 * 1024 * 1024,
  pii: {
    enabled: true,
    maxScanBytes: 8 * 1024 * 1024,
    detectors: ['email', 'phone', 'card', 'iban', 'ip'],
    custom: [],
  },
  plugins: [],
};
const FOLDERS = [{ id: 'cam', path: captures, symlinks: 'inside' as const }];
const target = (name: string) => ({ folderId: 'cam', absPath: join(captures, name), relPath: name });

async function outcome(inspector: Inspector, name: string): Promise<unknown> {
  try {
    return await inspector.inspect(target(name));
  } catch (error) {
    assert.ok(error instanceof InspectFailure, `${name}: ${String(error)}`);
    return { failure: error.kind, message: error.message };
  }
}

describe('inspection worker threads', () => {
  test('give the same answers as inspecting on the main thread, failures included', async () => {
    await writeFile(
      join(captures, 'contacts.csv'),
      'name,email\nJane,jane.doe@example.com\n+49 30 1234567\n',
    );
    await writeFile(join(captures, 'empty.bin'), '');
    await writeFile(
      join(captures, 'frame.jpg'),
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9]),
    );
    await writeFile(join(captures, 'frame.pred.json'), JSON.stringify([{ label: 'person', score: 0.7 }]));
    await writeFile(join(captures, 'big.bin'), Buffer.alloc(9 * 1024 * 1024));
    await symlink('/etc/hostname', join(captures, 'escape.txt'));
    execFileSync('mkfifo', [join(captures, 'pipe.fifo')]);
    const names = [
      'contacts.csv',
      'empty.bin',
      'frame.jpg',
      'big.bin',
      'escape.txt',
      'pipe.fifo',
      'missing.txt',
    ];

    const inProcess = await createInspector(CONFIG, { folders: FOLDERS });
    const pooled = await createInspector(CONFIG, { folders: FOLDERS, workers: 2 });
    try {
      const expected = await Promise.all(names.map((name) => outcome(inProcess, name)));
      const got = await Promise.all(names.map((name) => outcome(pooled, name)));
      assert.deepEqual(got, expected);
      // Spot checks that the comparison compared something.
      const failures = got.map((result) => (result as { failure?: string }).failure);
      assert.deepEqual(failures, [
        undefined,
        undefined,
        undefined,
        'too_large',
        'link_refused',
        'unreadable',
        'vanished',
      ]);
      const [contacts, , frame] = got as Inspection[];
      assert.equal(contacts?.tags['pii:email'], 1);
      assert.equal(frame?.predictions?.items.length, 1);
    } finally {
      await pooled.close();
    }
  });

  test('plugins still run on the main thread, with the head and text the worker read', async () => {
    const pluginPath = join(root, 'words.mjs');
    await writeFile(
      pluginPath,
      `export default { name: 'words', inspect(ctx) {
        return { tags: { 'words:count': ctx.text.split(/\\s+/).filter(Boolean).length, 'head:bytes': ctx.head.length } };
      } };`,
    );
    await writeFile(join(captures, 'notes.txt'), 'three short words\n');
    const config = { ...CONFIG, plugins: [pluginPath] };
    const pooled = await createInspector(config, { folders: FOLDERS, workers: 1 });
    try {
      const inspection = await pooled.inspect(target('notes.txt'));
      assert.equal(inspection.tags['words:count'], 3);
      assert.equal(inspection.tags['head:bytes'], 18);
    } finally {
      await pooled.close();
    }
  });

  test('the reading, hashing and scanning happen off the main thread', async () => {
    // Text-heavy files: hashing and scanning 6 MiB each costs real CPU wherever it runs.
    const line = 'reading 21.5 22.0 23.1 sensor ok; no contact details here at all\n';
    const body = line.repeat(Math.ceil((6 * 1024 * 1024) / line.length));
    const names = ['log-1.txt', 'log-2.txt', 'log-3.txt', 'log-4.txt'];
    for (const name of names) await writeFile(join(captures, name), body);
    const pooled = await createInspector(CONFIG, { folders: FOLDERS, workers: 2 });
    try {
      await pooled.inspect(target('contacts.csv')); // workers started and warm
      const mainBefore = process.threadCpuUsage();
      const allBefore = process.cpuUsage();
      const results = await Promise.all(names.map((name) => pooled.inspect(target(name))));
      const main = process.threadCpuUsage(mainBefore);
      const all = process.cpuUsage(allBefore);
      assert.equal(results.length, 4);
      const mainMs = (main.user + main.system) / 1000;
      const allMs = (all.user + all.system) / 1000;
      // CPU time, not wall time: a loaded machine changes neither share much.
      assert.ok(
        mainMs < allMs * 0.3,
        `the main thread used ${mainMs.toFixed(0)} ms of the ${allMs.toFixed(0)} ms of CPU inspection took`,
      );
    } finally {
      await pooled.close();
    }
  });

  test('workers start with the first files and stop when there is nothing to inspect (item 21)', async () => {
    await writeFile(join(captures, 'note.txt'), 'reach me at jane.doe@example.com\n');
    const inProcess = await createInspector(CONFIG, { folders: FOLDERS });
    const expected = await inProcess.inspect(target('note.txt'));
    let onMainThread = 0;
    const pool = new InspectPool(
      2,
      { inspect: CONFIG, folders: FOLDERS, forPlugins: false },
      () => {
        onMainThread += 1;
        throw new Error('inspected on the main thread');
      },
      { idleMs: 20 },
    );
    const stopped = async () => {
      while (pool.running > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    try {
      assert.equal(pool.running, 0, 'no worker before the first file');
      const one = await pool.examine(target('note.txt'));
      assert.deepEqual(one.inspection, expected);
      await stopped(); // idle: the workers went away
      const names = ['note.txt', 'contacts.csv', 'frame.jpg'];
      const answers = names.map((name) => pool.examine(target(name)));
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(pool.running, 2, 'as many workers as files need, up to the pool size');
      const again = await Promise.all(answers);
      assert.deepEqual(again[0]!.inspection, one.inspection);
      assert.equal(onMainThread, 0, 'every file was read in a worker');
      await stopped();
    } finally {
      await pool.close();
    }
  });

  test('closing the workers with files in flight still answers every file', async () => {
    const names = ['contacts.csv', 'log-1.txt', 'log-2.txt', 'frame.jpg'];
    const inProcess = await createInspector(CONFIG, { folders: FOLDERS });
    const expected = await Promise.all(names.map((name) => outcome(inProcess, name)));
    const pooled = await createInspector(CONFIG, { folders: FOLDERS, workers: 2 });
    const answers = Promise.all(names.map((name) => outcome(pooled, name)));
    await new Promise((resolve) => setImmediate(resolve)); // sent to the workers, being read
    await pooled.close();
    assert.deepEqual(await answers, expected);
  });
});
