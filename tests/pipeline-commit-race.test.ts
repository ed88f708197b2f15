/**
 * Batch commit race (issue: engine hardening, item 4). The pipeline inspects a batch of files, then
 * stores every result in one transaction. Files change meanwhile: these tests make one vanish and one
 * get rewritten between its inspection and the batch's commit, and poison one row in SQLite itself,
 * with the real inspector, the real queue and real files. Only the moment of the commit is held back
 * (the inspector is wrapped so one file's result waits for the test).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, test } from 'vitest';
import { resolveConfig } from '../main/engine/config/resolve.ts';
import { createInspector, type Inspector } from '../main/engine/inspect/index.ts';
import { Pipeline } from '../main/engine/pipeline.ts';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import type { DiscoveredFile } from '../main/engine/queue/types.ts';
import { compileRules } from '../main/engine/rules/index.ts';
import { waitFor } from './support/engine-fixtures.ts';

const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A capture folder, a queue and a pipeline whose inspector holds `held.txt`'s result until released. */
async function setUp() {
  const root = await mkdtemp(join(tmpdir(), 'edge-commit-race-'));
  roots.push(root);
  const captures = join(root, 'captures');
  await mkdir(captures, { recursive: true });
  const config = resolveConfig(
    {
      site: 'race',
      dataDir: join(root, 'data'),
      folders: [{ id: 'cam', path: captures }],
      reconcileInterval: 0,
      rules: [{ name: 'text', when: { extension: 'txt' }, action: 'upload' }],
    },
    '(test)',
  );
  const queue = new CaptureQueue(join(root, 'data', 'queue.db'));
  const real = await createInspector(config.inspect, { folders: config.folders });
  const inspected = new Set<string>();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const inspector: Inspector = {
    ...real,
    async inspect(target) {
      const result = await real.inspect(target);
      inspected.add(target.relPath);
      if (target.relPath === 'held.txt') await released;
      return result;
    },
  };
  const reports: string[] = [];
  const pipeline = new Pipeline(config, queue, inspector, compileRules(config), {
    report: (message) => reports.push(message),
  });
  const write = async (name: string, content: string) => {
    await writeFile(join(captures, name), content);
    const st = await stat(join(captures, name));
    return {
      folderId: 'cam',
      relPath: name,
      absPath: join(captures, name),
      size: st.size,
      mtimeMs: st.mtimeMs,
    };
  };
  return { root, captures, queue, pipeline, inspected, release, reports, write };
}

describe('batch commit: each row is checked against what was inspected', () => {
  test('a file that vanishes and one rewritten before the commit do not sink the batch', async () => {
    const site = await setUp();
    const { queue, pipeline } = site;
    const files: DiscoveredFile[] = [];
    for (const name of ['keep-1.txt', 'keep-2.txt', 'gone.txt', 'rewritten.txt', 'held.txt']) {
      files.push(await site.write(name, `first version of ${name}\n`));
    }
    pipeline.intake(files);
    // Everything is inspected; the batch waits for held.txt before it commits.
    await waitFor(() => site.inspected.size === 5, 'the whole batch to be inspected');

    // What the watcher does when a file is deleted, and when one is rewritten (renamed into place).
    await rm(join(site.captures, 'gone.txt'));
    queue.markVanished(join(site.captures, 'gone.txt'));
    pipeline.intake([await site.write('rewritten.txt', 'second, longer version of rewritten.txt\n')]);

    site.release();
    // Before the fix the commit threw `Illegal state change … vanished → inspected`, rolled the
    // whole batch back, and idle() (like the engine's drain) rejected.
    await pipeline.idle();

    const state = (name: string) => queue.getByPath(join(site.captures, name));
    for (const name of ['keep-1.txt', 'keep-2.txt', 'held.txt']) {
      assert.equal(state(name)?.state, 'queued', `${name} is decided with the rest of its batch`);
    }
    assert.equal(state('gone.txt')?.state, 'vanished');
    const rewritten = state('rewritten.txt')!;
    assert.equal(rewritten.state, 'queued');
    assert.equal(
      rewritten.sha256,
      sha256('second, longer version of rewritten.txt\n'),
      'the rewritten file is decided on a fresh inspection, not on the old one',
    );
    const decisions = queue.history(rewritten.id).filter((change) => change.to === 'queued');
    assert.equal(decisions.length, 1, 'the stale look at the first version was never committed');
    assert.deepEqual(site.reports, []);
    await pipeline.stop();
    queue.close();
  });

  test('a row the queue refuses is reported and retried alone; the rest of the batch commits', async () => {
    const site = await setUp();
    const { queue, pipeline } = site;
    // A row SQLite itself refuses (a trigger standing in for a corrupt row or a constraint).
    const poisoner = new DatabaseSync(queue.path);
    poisoner.exec(`CREATE TRIGGER poison BEFORE UPDATE OF state ON files
      WHEN NEW.rel_path = 'poison.txt' BEGIN SELECT RAISE(ABORT, 'row refused by the test'); END`);
    const files: DiscoveredFile[] = [];
    for (const name of ['a.txt', 'poison.txt', 'b.txt', 'held.txt']) {
      files.push(await site.write(name, `content of ${name}\n`));
    }
    pipeline.intake(files);
    await waitFor(() => site.inspected.size === 4, 'the whole batch to be inspected');
    site.release();
    await pipeline.idle();

    const state = (name: string) => queue.getByPath(join(site.captures, name))?.state;
    assert.equal(state('a.txt'), 'queued');
    assert.equal(state('b.txt'), 'queued');
    assert.equal(state('held.txt'), 'queued');
    assert.equal(state('poison.txt'), 'discovered', 'the refused row keeps its state');
    assert.match(site.reports.join('\n'), /poison\.txt: row refused by the test; it keeps its state/);
    const notes = queue.changesSince(0).filter((change) => change.kind === 'problem');
    assert.match(notes.map((note) => note.detail).join('\n'), /poison\.txt/);

    poisoner.exec('DROP TRIGGER poison');
    poisoner.close();
    await pipeline.stop();
    queue.close();
  });
});
