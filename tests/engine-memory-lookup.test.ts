import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';

const dir = await mkdtemp(join(tmpdir(), 'edge-memory-lookup-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const pathOf = (i: number) => `/captures/cam/d${i % 7}/f${i}.bin`;

describe('queue lookups for scans (real SQLite)', () => {
  test('every batch length finds exactly the known paths, with a bounded number of prepared statements', () => {
    const queue = new CaptureQueue(join(dir, 'lookup.db'));
    // 1,500 known files; odd ones skipped, so the state read back differs from file to file.
    queue.transaction(() => {
      for (let i = 0; i < 1500; i++) {
        const { id } = queue.discover({
          folderId: 'cam',
          relPath: pathOf(i).slice('/captures/cam/'.length),
          absPath: pathOf(i),
          size: 100 + i,
          mtimeMs: 1000 + i,
        });
        if (i % 2 === 1) queue.transition(id, 'skipped', { reason: 'test' });
      }
    });
    const statementsBefore = queue.cachedStatements;
    // Lengths a scan produces: any remainder of a batch, and more than one chunk at once.
    for (const length of [1, 2, 3, 5, 17, 255, 256, 257, 499, 500, 511, 512, 513, 777, 1024, 1300]) {
      // Every third path is unknown to the queue; the rest are spread over the 1,500 known ones.
      const asked = Array.from({ length }, (_, k) =>
        k % 3 === 2 ? `/elsewhere/${k}.bin` : pathOf((k * 11) % 1500),
      );
      const found = queue.lookup(asked);
      const expected = new Set(asked.filter((path) => path.startsWith('/captures/')));
      assert.deepEqual(new Set(found.keys()), expected, `lookup of ${length} paths`);
      for (const [path, known] of found) {
        const i = Number(/f(\d+)\.bin$/.exec(path)![1]);
        assert.equal(known.size, 100 + i);
        assert.equal(known.mtimeMs, 1000 + i);
        assert.equal(known.state, i % 2 === 1 ? 'skipped' : 'discovered');
      }
    }
    // One shape per power of two up to the chunk (1, 2, 4 … 512): ten at most, whatever the lengths.
    assert.ok(
      queue.cachedStatements - statementsBefore <= 10,
      `${queue.cachedStatements - statementsBefore} statements prepared for lookups`,
    );
    queue.close();
  });

  test('an empty lookup asks nothing', () => {
    const queue = new CaptureQueue(join(dir, 'empty.db'));
    const before = queue.cachedStatements;
    assert.equal(queue.lookup([]).size, 0);
    assert.equal(queue.cachedStatements, before);
    queue.close();
  });
});
