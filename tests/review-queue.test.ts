import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { ReviewService } from '../main/engine/review/index.ts';
import { addCapture, box } from './support/review-fixture.ts';

const dir = await mkdtemp(join(tmpdir(), 'edge-review-queue-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
let n = 0;
const openQueue = () => new CaptureQueue(join(dir, `q${n++}.db`));
const p = (label: string, score: number) => ({ label, score, box: box(10, 10, 50, 50) });

describe('review queue (real SQLite, triggers on files)', () => {
  test('held items first, then the lowest top score; files without predictions are not listed', () => {
    const queue = openQueue();
    const ids = {
      sure: addCapture(queue, { name: 'sure.jpg', predictions: [p('car', 0.97)] }, 1),
      unsure: addCapture(queue, { name: 'unsure.jpg', predictions: [p('car', 0.41), p('person', 0.3)] }, 2),
      middling: addCapture(queue, { name: 'mid.jpg', predictions: [p('person', 0.66)] }, 3),
      heldSure: addCapture(queue, { name: 'held.jpg', predictions: [p('dog', 0.9)], state: 'held' }, 4),
      heldBare: addCapture(queue, { name: 'held.csv', state: 'held' }, 5),
      bare: addCapture(queue, { name: 'log.csv' }, 6),
      nothingSeen: addCapture(queue, { name: 'empty.jpg', predictions: [] }, 7),
    };
    const review = new ReviewService(queue);
    const order = review.list().items.map((item) => item.fileId);
    // Held: scored before unscored; then by top score; "nothing seen" last; the bare CSV never.
    assert.deepEqual(order, [
      ids.heldSure,
      ids.heldBare,
      ids.unsure,
      ids.middling,
      ids.sure,
      ids.nothingSeen,
    ]);
    const first = review.list().items[0]!;
    assert.equal(first.held, true);
    assert.equal(first.topLabel, 'dog');
    assert.equal(first.modelVersion, 'm1');
    // The item leaves the held lane once decided.
    review.decideHeld({ fileId: ids.heldSure, decision: 'drop', reviewer: 'ana' });
    assert.equal(review.list().items.at(-2)?.fileId, ids.sure, 'dropped: no longer first, ordered by score');
    assert.deepEqual(
      review.list({ heldOnly: true }).items.map((i) => i.fileId),
      [ids.heldBare],
    );
    queue.close();
  });

  test('review.threshold orders by closeness to it, and can change at run time', () => {
    const queue = openQueue();
    const a = addCapture(queue, { name: 'a.jpg', predictions: [p('car', 0.1)] }, 1);
    const b = addCapture(queue, { name: 'b.jpg', predictions: [p('car', 0.55)] }, 2);
    const c = addCapture(queue, { name: 'c.jpg', predictions: [p('car', 0.8)] }, 3);
    const review = new ReviewService(queue);
    assert.deepEqual(
      review.list().items.map((i) => i.fileId),
      [a, b, c],
    );
    review.setThreshold(0.75);
    assert.deepEqual(
      review.list().items.map((i) => i.fileId),
      [c, b, a],
    );
    const d = addCapture(queue, { name: 'd.jpg', predictions: [p('car', 0.7)] }, 4);
    assert.deepEqual(
      review.list().items.map((i) => i.fileId),
      [c, d, b, a],
      'new rows use the threshold too',
    );
    review.setThreshold(undefined);
    assert.deepEqual(
      review.list().items.map((i) => i.fileId),
      [a, b, d, c],
    );
    queue.close();
  });

  test('filters: class, score range, rule, folder, time, review state; paging with a cursor', () => {
    const queue = openQueue();
    const ids: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      ids.push(
        addCapture(
          queue,
          {
            name: `f${i}.jpg`,
            predictions: [p(i % 3 === 0 ? 'person' : 'car', (i + 1) / 31)],
            rule: i % 2 === 0 ? 'even' : 'odd',
            folderId: i < 15 ? 'north' : 'south',
          },
          i,
        ),
      );
    }
    const review = new ReviewService(queue);
    const all = review.list({}, { limit: 7 });
    assert.equal(all.items.length, 7);
    const seen = [...all.items];
    let cursor = all.nextCursor;
    while (cursor) {
      const page = review.list({}, { cursor, limit: 7 });
      seen.push(...page.items);
      cursor = page.nextCursor;
    }
    assert.deepEqual(
      seen.map((i) => i.fileId),
      ids,
      'ascending score = insertion order here; every item once',
    );

    const persons = review.list({ label: 'person' }).items;
    assert.equal(persons.length, 10);
    assert.ok(persons.every((i) => i.topLabel === 'person'));
    const band = review.list({ minScore: 0.4, maxScore: 0.6 }).items;
    assert.ok(band.length > 0 && band.every((i) => i.topScore! >= 0.4 && i.topScore! <= 0.6));
    assert.ok(review.list({ rule: 'odd' }).items.every((i) => i.rule === 'odd'));
    assert.equal(review.list({ folderId: 'south' }).items.length, 15);
    const discovered = queue.get(ids[10]!)!.discoveredAt;
    assert.ok(review.list({ from: discovered }).items.every((i) => i.discoveredAt >= discovered));
    assert.equal(review.list({ from: discovered + 1e9 }).items.length, 0);

    review.submit([
      {
        id: 'c-1',
        fileId: ids[4]!,
        sha256: queue.get(ids[4]!)!.sha256!,
        reviewer: 'ana',
        objects: [{ label: 'car', box: box(10, 10, 50, 50), from: 0 }],
        createdAt: 1_700_000_000_000,
      },
    ]);
    assert.deepEqual(
      review.list({ reviewStates: ['reviewed'] }).items.map((i) => i.fileId),
      [ids[4]],
    );
    assert.equal(review.list({ reviewStates: ['unreviewed'] }).items.length, 29);
    assert.equal(review.list({ reviewStates: ['unreviewed', 'reviewed'] }).items.length, 30);
    assert.throws(() => review.list({}, { cursor: 'nonsense' }), /not a review queue cursor/);
    queue.close();
  });

  test('a late sidecar, a rewrite and a re-inspection keep the review row in step', () => {
    const queue = openQueue();
    const id = addCapture(queue, { name: 'late.jpg' }, 1);
    const review = new ReviewService(queue);
    assert.equal(review.list().items.length, 0);
    queue.attachPredictions(
      id,
      { predictions: { modelVersion: 'm2', items: [p('cat', 0.5)] }, warnings: [] },
      'late',
    );
    const [item] = review.list().items;
    assert.equal(item?.fileId, id);
    assert.equal(item?.topLabel, 'cat');
    assert.equal(item?.modelVersion, 'm2');
    queue.revisit(id, 'changed');
    assert.equal(review.list().items.length, 0, 'no inspection: not listed');
    queue.close();
  });

  test('a queue from before the review tables is filled by the migration', () => {
    const path = join(dir, 'old.db');
    const queue = new CaptureQueue(path);
    const held = addCapture(queue, { name: 'h.jpg', predictions: [p('car', 0.8)], state: 'held' }, 1);
    const plain = addCapture(queue, { name: 'x.jpg', predictions: [p('car', 0.2), p('bus', 0.1)] }, 2);
    queue.close();
    // As an older engine left it: no review tables, no triggers (today's queue has none of those).
    const db = new DatabaseSync(path);
    for (const name of ['review_follows_inspection', 'review_follows_hold', 'review_follows_delete'])
      db.exec(`DROP TRIGGER IF EXISTS ${name}`);
    for (const name of ['predictions', 'review_items']) db.exec(`DROP TABLE ${name}`);
    db.close();
    const reopened = new CaptureQueue(path);
    const review = new ReviewService(reopened);
    const items = review.list().items;
    assert.deepEqual(
      items.map((i) => i.fileId),
      [held, plain],
    );
    assert.equal(items[1]?.topScore, 0.2);
    assert.equal(items[1]?.predictionCount, 2);
    assert.equal(review.list({ label: 'bus' }).items[0]?.fileId, plain);
    reopened.close();
  });
});
