import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { resolveConfig } from '../main/engine/config/resolve.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import { CaptureQueue, VANISH_CHECKED } from '../main/engine/queue/queue.ts';
import type { Decision } from '../shared/decision.ts';
import type { FileState } from '../shared/status.ts';

const dir = await mkdtemp(join(tmpdir(), 'edge-memory-reconcile-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const decision = (priority: number): Decision => ({
  action: 'upload',
  rule: 'test',
  ruleIndex: 0,
  reason: 'test',
  priority,
  metadata: {},
  trace: [],
  decidedAt: 1,
});

describe('reconciliation reads the queue a page at a time', () => {
  test('activeFiles yields every file of the folder in a checked state exactly once, in pages', () => {
    const queue = new CaptureQueue(join(dir, 'pages.db'));
    const expected = new Set<number>();
    // Two folders; states checked and not; three priorities, so pages cross states and priorities.
    const plan: { state: FileState; priority?: number }[] = [
      { state: 'discovered' },
      { state: 'queued', priority: 5 },
      { state: 'queued', priority: 0 },
      { state: 'queued', priority: -3 },
      { state: 'held' },
      { state: 'skipped' },
      { state: 'vanished' },
    ];
    queue.transaction(() => {
      for (let i = 0; i < 2_600; i++) {
        const folderId = i % 9 === 0 ? 'other' : 'cam';
        const { id } = queue.discover({
          folderId,
          relPath: `f${i}.bin`,
          absPath: `/captures/${folderId}/f${i}.bin`,
          size: 1,
          mtimeMs: 1,
        });
        const { state, priority } = plan[i % plan.length]!;
        if (priority !== undefined) queue.saveDecision(id, decision(priority), 'queued');
        else if (state !== 'discovered') queue.transition(id, state, { reason: 'test' });
        if (folderId === 'cam' && VANISH_CHECKED.includes(state)) expected.add(id);
      }
    });
    const yielded: number[] = [];
    for (const page of queue.activeFiles('cam', 100)) {
      assert.ok(page.length > 0 && page.length <= 100, `a page of ${page.length}`);
      for (const file of page) {
        yielded.push(file.id);
        assert.equal(file.absPath, queue.get(file.id)!.absPath);
      }
    }
    assert.equal(yielded.length, expected.size, 'each file once');
    assert.deepEqual(new Set(yielded), expected);
    queue.close();
  });

  test('a restart marks exactly the files deleted while the engine was down vanished, over many pages', async () => {
    const captures = join(dir, 'site', 'captures');
    await mkdir(join(captures, 'a'), { recursive: true });
    await mkdir(join(captures, 'b'), { recursive: true });
    const paths = Array.from({ length: 1_500 }, (_, i) => join(captures, i % 2 ? 'a' : 'b', `f${i}.bin`));
    await Promise.all(paths.map((path, i) => writeFile(path, `file ${i}`)));
    const config = resolveConfig(
      {
        site: 'memory-test',
        dataDir: join(dir, 'site', 'data'),
        folders: [{ id: 'cam', path: captures, completion: 'rename' }],
        reconcileInterval: 0,
        rules: [{ name: 'all', action: 'upload' }],
      },
      '(test)',
    );
    let engine = new CaptureEngine(config, { transfer: false, inspectWorkers: 0 });
    await engine.start();
    await engine.settled();
    assert.equal(engine.queue.counts().queued, paths.length);
    await engine.stop();

    // While it is down: every seventh file is deleted, and two new ones arrive.
    const deleted = paths.filter((_, i) => i % 7 === 3);
    await Promise.all(deleted.map((path) => unlink(path)));
    const arrived = [join(captures, 'a', 'new1.bin'), join(captures, 'new2.bin')];
    await Promise.all(arrived.map((path) => writeFile(path, path)));

    engine = new CaptureEngine(config, { transfer: false, inspectWorkers: 0 });
    try {
      await engine.start();
      await engine.settled();
      const gone = new Set(deleted);
      for (const path of [...paths, ...arrived]) {
        const state = engine.queue.getByPath(path)?.state;
        assert.equal(state, gone.has(path) ? 'vanished' : 'queued', path);
      }
      assert.equal(engine.queue.counts().vanished, deleted.length);
    } finally {
      await engine.stop();
    }
  });
});
