import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import type { QueueChange } from '../main/engine/queue/types.ts';

const dir = await mkdtemp(join(tmpdir(), 'edge-queue-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
let n = 0;
const openQueue = () => new CaptureQueue(join(dir, `q${n++}.db`));
const file = (name: string, size = 10, mtimeMs = 1000) => ({
  folderId: 'cam',
  relPath: name,
  absPath: `/captures/cam/${name}`,
  size,
  mtimeMs,
});
const inspection = {
  size: 10,
  mtimeMs: 1000,
  sha256: 'ab'.repeat(32),
  contentType: 'text/plain',
  contentTypeSource: 'magic' as const,
  tags: {},
  warnings: [],
};

describe('durable queue (real SQLite)', () => {
  test('discover tells new, unchanged and changed files apart; a change resets the facts', () => {
    const queue = openQueue();
    const first = queue.discover(file('a.txt'));
    assert.equal(first.outcome, 'new');
    assert.equal(queue.discover(file('a.txt')).outcome, 'unchanged');
    queue.saveInspection(first.id, inspection);
    assert.equal(queue.get(first.id)?.state, 'inspected');
    const changed = queue.discover(file('a.txt', 20));
    assert.deepEqual(changed, { id: first.id, outcome: 'changed' });
    const record = queue.get(first.id)!;
    assert.equal(record.state, 'discovered');
    assert.equal(record.sha256, undefined);
    assert.equal(record.size, 20);
    queue.close();
  });

  test('the state machine refuses moves it does not allow', () => {
    const queue = openQueue();
    const { id } = queue.discover(file('b.txt'));
    assert.throws(
      () => queue.transition(id, 'uploaded'),
      /Illegal state change for b\.txt: discovered → uploaded/,
    );
    assert.equal(queue.get(id)?.state, 'discovered');
    queue.close();
  });

  test('changes are announced only after commit, never for a rolled-back transaction', () => {
    const queue = openQueue();
    const seen: QueueChange[] = [];
    queue.on('change', (changes) => seen.push(...changes));
    assert.throws(() =>
      queue.transaction(() => {
        queue.discover(file('c.txt'));
        assert.equal(seen.length, 0, 'nothing announced inside the transaction');
        throw new Error('boom');
      }),
    );
    assert.equal(seen.length, 0);
    assert.equal(queue.getByPath('/captures/cam/c.txt'), undefined, 'rolled back');
    queue.transaction(() => queue.discover(file('c.txt')), { durable: true });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.to, 'discovered');
    // A durable request nested in an ordinary transaction is honoured too.
    queue.transaction(() => queue.transaction(() => queue.discover(file('d.txt')), { durable: true }));
    assert.ok(queue.getByPath('/captures/cam/d.txt'));
    queue.close();
  });

  test('paged listing, counts, oldest waiting and change log', () => {
    const queue = openQueue();
    for (let i = 0; i < 25; i++) queue.discover(file(`f${i}.txt`));
    const page1 = queue.list({ limit: 10 });
    assert.equal(page1.items.length, 10);
    assert.equal(page1.items[0]?.relPath, 'f24.txt', 'newest first');
    const page2 = queue.list({ limit: 10, cursor: page1.nextCursor });
    const page3 = queue.list({ limit: 10, cursor: page2.nextCursor });
    assert.equal(page3.items.length, 5);
    assert.equal(page3.nextCursor, undefined);
    const all = new Set([...page1.items, ...page2.items, ...page3.items].map((r) => r.relPath));
    assert.equal(all.size, 25);
    assert.equal(queue.counts().discovered, 25);
    assert.equal(queue.counts().queued, 0);
    assert.equal(queue.oldestWaiting()?.relPath, 'f0.txt');
    assert.equal(queue.changesSince(20).length, 5);
    assert.throws(() => queue.list({ cursor: 'x' }), /Invalid cursor/);
    queue.close();
  });

  test('after a crash, uploads in progress go back to queued with their progress kept', () => {
    const path = join(dir, 'crash.db');
    let queue = new CaptureQueue(path);
    const { id } = queue.discover(file('big.bin'));
    queue.saveInspection(id, inspection);
    queue.saveDecision(
      id,
      {
        action: 'upload',
        rule: 'all',
        ruleIndex: 0,
        reason: 'r',
        priority: 0,
        metadata: {},
        trace: [],
        decidedAt: 1,
      },
      'queued',
    );
    queue.transition(id, 'uploading', { upload: { uploadId: 'u1', parts: [1, 2] } });
    queue.close(); // no clean shutdown of the upload: as after kill -9
    queue = new CaptureQueue(path);
    assert.equal(queue.recoverInterrupted(), 1);
    const record = queue.get(id)!;
    assert.equal(record.state, 'queued');
    assert.deepEqual(record.upload, { uploadId: 'u1', parts: [1, 2] });
    queue.close();
  });

  test('counts kept by triggers agree with the rows after inserts, moves and resets', () => {
    const queue = openQueue();
    for (let i = 0; i < 30; i++) {
      const { id } = queue.discover(file(`c${i}.txt`));
      if (i % 3 === 0) queue.saveInspection(id, inspection);
      if (i % 5 === 0) queue.transition(id, 'vanished');
    }
    queue.discover(file('c3.txt', 99)); // changed: back to discovered
    const truth = Object.fromEntries(
      queue
        .select('SELECT state, count(*) AS n FROM files GROUP BY state')
        .map((row) => [row.state, Number(row.n)]),
    );
    const counts = queue.counts();
    for (const [state, n] of Object.entries(counts)) assert.equal(n, truth[state] ?? 0, state);
    assert.equal(counts.discovered + counts.inspected + counts.vanished, 30);
    queue.close();
  });

  test('the read-only SQL door refuses writes', () => {
    const queue = openQueue();
    assert.throws(() => queue.select('DELETE FROM files'), /SELECT statements only/);
    assert.equal(Number(queue.select('SELECT count(*) AS n FROM files')[0]?.n), 0);
    queue.close();
  });
});
