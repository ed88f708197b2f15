/**
 * The engine process never dies of an unhandled rejection (issue: engine hardening, item 4). The
 * CLI engine runs as a child process on a real folder, with a real plugin that (1) holds one file's
 * inspection until another file of its batch has vanished and a third was rewritten, and (2) leaks a
 * failing promise and a throwing timer. The engine must keep deciding files and stop cleanly.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { dropFile, makeSite, type Site, waitFor } from './support/engine-fixtures.ts';

const CLI = join(import.meta.dirname, '..', 'main', 'cli', 'index.ts');
const REWRITTEN = 'second, longer version of rewritten.txt\n';

/** Holds the first five files' inspections until the queue shows gone.txt vanished and rewritten.txt rewritten; leaks from stray-*. */
const pluginSource = (dbPath: string, markers: string) => `
import { writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function raceHappened() {
  const db = new DatabaseSync(${JSON.stringify(dbPath)}, { readOnly: true });
  try {
    const gone = db.prepare("SELECT state FROM files WHERE rel_path = 'gone.txt'").get();
    const rewritten = db.prepare("SELECT size FROM files WHERE rel_path = 'rewritten.txt'").get();
    return gone?.state === 'vanished' && Number(rewritten?.size) === ${Buffer.byteLength(REWRITTEN)};
  } finally {
    db.close();
  }
}
export default {
  name: 'race-and-leaks',
  async inspect(ctx) {
    // Every file of the first batch waits (however the watcher splits them into batches), so none of
    // them is decided before gone.txt vanishes and rewritten.txt changes.
    if (['keep-1.txt', 'keep-2.txt', 'gone.txt', 'rewritten.txt', 'held.txt'].includes(ctx.relPath)) {
      writeFileSync(${JSON.stringify(markers)} + '/held-started', '');
      const deadline = Date.now() + 25000;
      while (!raceHappened() && Date.now() < deadline) await sleep(50);
    }
    if (ctx.relPath.startsWith('stray')) {
      // Plugin bugs: a promise nobody waits for, and a timer that throws.
      Promise.reject(new Error('stray rejection from ' + ctx.relPath));
      setTimeout(() => { throw new Error('stray exception from ' + ctx.relPath); }, 0);
    }
    return {};
  },
};
`;

const CONFIG = ({ captures, dataDir }: { captures: string; dataDir: string }) => `
site: last-resort
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    stableWindow: 300ms
reconcileInterval: 0
inspect:
  plugins: [${JSON.stringify(join(dataDir, '..', 'race-plugin.mjs'))}]
rules:
  - name: text
    when: { extension: txt }
    action: upload
`;

const sites: Site[] = [];
afterAll(async () => {
  for (const site of sites) await site.cleanup();
});

function readQueue<T>(site: Site, read: (queue: CaptureQueue) => T): T | undefined {
  let queue: CaptureQueue | undefined;
  try {
    queue = new CaptureQueue(join(site.dataDir, 'queue.db'), { readOnly: true });
    return read(queue);
  } catch {
    return undefined; // not created yet
  } finally {
    queue?.close();
  }
}

const stateOf = (site: Site, name: string) =>
  readQueue(site, (queue) => queue.getByPath(join(site.captures, name)));

describe('engine process: last-resort handlers and the commit race (CLI run as a child process)', () => {
  test('a file vanishing or rewritten mid-batch and stray rejections never stop the engine', async () => {
    const site = await makeSite(CONFIG);
    sites.push(site);
    await writeFile(
      join(site.root, 'race-plugin.mjs'),
      pluginSource(join(site.dataDir, 'queue.db'), site.root),
    );
    const engine: ChildProcess = spawn(
      process.execPath,
      [CLI, 'run', '--config', site.configPath, '--json'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    engine.stdout?.on('data', (chunk) => (output += chunk));
    engine.stderr?.on('data', (chunk) => (output += chunk));
    let exited: number | null | undefined;
    const exit = new Promise<number | null>((resolve) =>
      engine.once('exit', (code) => {
        exited = code;
        resolve(code);
      }),
    );
    const alive = () => {
      if (exited !== undefined) throw new Error(`the engine exited with ${exited}:\n${output}`);
      return true;
    };
    try {
      await waitFor(() => alive() && /watching 1 folder/.test(output), 'the engine to start', 60_000);

      // One batch: held.txt's inspection waits while gone.txt vanishes and rewritten.txt changes.
      for (const name of ['keep-1.txt', 'keep-2.txt', 'gone.txt', 'rewritten.txt', 'held.txt']) {
        await writeFile(join(site.captures, `${name}.part`), `first version of ${name}\n`);
      }
      const { rename } = await import('node:fs/promises');
      await Promise.all(
        ['keep-1.txt', 'keep-2.txt', 'gone.txt', 'rewritten.txt', 'held.txt'].map((name) =>
          rename(join(site.captures, `${name}.part`), join(site.captures, name)),
        ),
      );
      await waitFor(
        async () => alive() && (await import('node:fs')).existsSync(join(site.root, 'held-started')),
        'held.txt to be inspected',
        60_000,
      );
      await rm(join(site.captures, 'gone.txt'));
      await dropFile(join(site.captures, 'rewritten.txt'), REWRITTEN);

      const rewritten = await waitFor(
        () => {
          alive();
          const record = stateOf(site, 'rewritten.txt');
          return record?.sha256 === createHash('sha256').update(REWRITTEN).digest('hex') &&
            ['queued', 'uploading', 'uploaded', 'retained'].includes(record.state)
            ? record
            : undefined;
        },
        'the rewritten file to be decided on its new content',
        60_000,
      );
      assert.ok(rewritten);
      for (const name of ['keep-1.txt', 'keep-2.txt', 'held.txt']) {
        await waitFor(
          () =>
            alive() &&
            ['queued', 'uploading', 'uploaded', 'retained'].includes(stateOf(site, name)?.state ?? ''),
          `${name} to be decided`,
          60_000,
        );
      }
      assert.equal(stateOf(site, 'gone.txt')?.state, 'vanished');

      // A plugin's stray rejection and exception are recorded; the engine goes on deciding.
      await dropFile(join(site.captures, 'stray-1.txt'), 'leaks\n');
      const problems = await waitFor(
        () => {
          alive();
          const details = readQueue(site, (queue) =>
            queue
              .changesSince(0, 100_000)
              .filter((change) => change.kind === 'problem')
              .map((change) => change.detail ?? ''),
          );
          const text = (details ?? []).join('\n');
          return /unhandled promise rejection: stray rejection from stray-1\.txt/.test(text) &&
            /uncaught exception: stray exception from stray-1\.txt/.test(text)
            ? text
            : undefined;
        },
        'the stray rejection and exception to be recorded',
        60_000,
      );
      assert.ok(problems);
      await dropFile(join(site.captures, 'after.txt'), 'decided after the leaks\n');
      await waitFor(
        () =>
          alive() &&
          ['queued', 'uploading', 'uploaded', 'retained'].includes(stateOf(site, 'after.txt')?.state ?? ''),
        'a file dropped after the leaks to be decided',
        60_000,
      );
      assert.match(output, /unhandled promise rejection: stray rejection/, 'the log says what happened');
    } finally {
      engine.kill('SIGTERM');
    }
    assert.equal(await exit, 0, output);
    assert.match(output, /"msg":"stopped"/);
  });
});
