import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { type CorrectionInput, ReviewService } from '../main/engine/review/index.ts';
import { addCapture, box } from './support/review-fixture.ts';

const dir = await mkdtemp(join(tmpdir(), 'edge-review-corr-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
let n = 0;
const openQueue = () => new CaptureQueue(join(dir, `q${n++}.db`));
const T0 = Date.UTC(2026, 2, 14, 9, 0, 0);

function setUp() {
  const queue = openQueue();
  const fileId = addCapture(
    queue,
    {
      name: 'street.jpg',
      predictions: [
        { label: 'car', score: 0.62, box: box(100, 120, 80, 40) },
        { label: 'person', score: 0.45, box: box(300, 200, 30, 90) },
      ],
      modelVersion: 'det-2.1',
    },
    1,
  );
  const review = new ReviewService(queue);
  const sha256 = queue.get(fileId)!.sha256!;
  const correction = (reviewer: string, objects: CorrectionInput['objects'], at = T0): CorrectionInput => ({
    id: randomUUID(),
    fileId,
    sha256,
    reviewer,
    objects,
    createdAt: at,
  });
  return { queue, review, fileId, correction };
}

const keepBoth = [
  { label: 'car', box: box(100, 120, 80, 40), from: 0 },
  { label: 'person', box: box(300, 200, 30, 90), from: 1 },
];

describe('corrections (real SQLite)', () => {
  test('submitting the same id twice stores one record; other content under that id is refused', () => {
    const { queue, review, correction } = setUp();
    const record = correction('ana', keepBoth);
    const [first] = review.submit([record]);
    const [again] = review.submit([record]);
    assert.equal(first?.status, 'stored');
    assert.equal(again?.status, 'duplicate');
    assert.equal(review.corrections.count(), 1);
    const [changed] = review.submit([{ ...record, objects: [] }]);
    assert.equal(changed?.status, 'refused');
    assert.match(changed?.status === 'refused' ? changed.why : '', /already recorded with other content/);
    assert.equal(first?.status === 'stored' && first.record.verdict, 'accept');
    queue.close();
  });

  test('two reviewers who disagree: both kept, the item is in conflict, the API returns both', () => {
    const { queue, review, fileId, correction } = setUp();
    const events: unknown[] = [];
    review.on('changed', (change) => events.push(change));
    review.submit([correction('ana', keepBoth)]);
    assert.equal(review.item(fileId)?.reviewState, 'reviewed');
    // Bo says the "person" is a bicycle.
    review.submit([
      correction(
        'bo',
        [keepBoth[0]!, { label: 'bicycle', box: box(300, 200, 30, 90), from: 1 }],
        T0 + 60_000,
      ),
    ]);
    const item = review.item(fileId)!;
    assert.equal(item.reviewState, 'conflict');
    assert.deepEqual(item.current.map((c) => c.reviewer).sort(), ['ana', 'bo']);
    assert.deepEqual(
      review.list({ reviewStates: ['conflict'] }).items.map((i) => i.fileId),
      [fileId],
    );
    assert.equal(events.length, 2);
    // Ana comes round (a slightly different hand-drawn box is still the same object): resolved.
    review.submit([
      correction(
        'ana',
        [keepBoth[0]!, { label: 'bicycle', box: box(302, 201, 29, 88), from: 1 }],
        T0 + 120_000,
      ),
    ]);
    const after = review.item(fileId)!;
    assert.equal(after.reviewState, 'reviewed');
    assert.equal(after.superseded.length, 1, "ana's first correction kept as history");
    assert.equal(review.corrections.forFile(fileId).length, 3, 'nothing lost');
    queue.close();
  });

  test("the same reviewer's later correction supersedes the earlier one, even when it arrives first", () => {
    const { queue, review, fileId, correction } = setUp();
    const early = correction('ana', keepBoth, T0);
    const late = correction('ana', [keepBoth[0]!], T0 + 5_000);
    // The outbox delivers the later one first.
    review.submit([late]);
    review.submit([early]);
    const item = review.item(fileId)!;
    assert.deepEqual(
      item.current.map((c) => c.id),
      [late.id],
    );
    assert.deepEqual(
      item.superseded.map((c) => c.id),
      [early.id],
    );
    assert.equal(review.corrections.get(early.id)?.supersededBy, late.id);
    // In order: the newer one supersedes and says so.
    const third = correction('ana', keepBoth, T0 + 9_000);
    review.submit([third]);
    assert.equal(review.corrections.get(third.id)?.supersedes, late.id);
    assert.equal(review.corrections.get(late.id)?.supersededBy, third.id);
    assert.deepEqual(
      review.item(fileId)!.current.map((c) => c.id),
      [third.id],
    );
    queue.close();
  });

  test('refused: unknown file, changed capture, an object that corrects a prediction that is not there', () => {
    const { queue, review, fileId, correction } = setUp();
    const outcomes = review.submit([
      { ...correction('ana', []), fileId: 999 },
      { ...correction('ana', []), sha256: 'f'.repeat(64) },
      correction('ana', [{ label: 'car', from: 7 }]),
      correction('ana', [{ label: 'car', box: box(0, 0, 0, 5) }]),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['refused', 'refused', 'refused', 'refused'],
    );
    assert.match(JSON.stringify(outcomes), /no longer in the queue/);
    assert.match(JSON.stringify(outcomes), /changed on disk/);
    assert.match(JSON.stringify(outcomes), /has 2 prediction/);
    assert.equal(review.item(fileId)?.reviewState, 'unreviewed');
    queue.close();
  });

  test('agreement per model version and class, in hour and day buckets', () => {
    const { queue, review, correction } = setUp();
    const other = addCapture(
      queue,
      {
        name: 'b.jpg',
        predictions: [{ label: 'car', score: 0.9, box: box(0, 0, 10, 10) }],
        modelVersion: 'det-2.2',
      },
      2,
    );
    review.submit([
      // ana: car agreed, person deleted, a dog the model missed.
      correction('ana', [keepBoth[0]!, { label: 'dog', box: box(5, 5, 20, 20) }], T0 + 10 * 60_000),
      // bo, an hour later: car moved (changed), person agreed.
      correction(
        'bo',
        [{ label: 'car', box: box(140, 120, 80, 40), from: 0 }, keepBoth[1]!],
        T0 + 70 * 60_000,
      ),
      {
        id: randomUUID(),
        fileId: other,
        sha256: queue.get(other)!.sha256!,
        reviewer: 'ana',
        objects: [{ label: 'car', box: box(0, 0, 10, 10), from: 0 }],
        createdAt: T0 + 75 * 60_000,
      },
    ]);
    const hourly = review.agreement({ from: T0, to: T0 + 86_400_000, bucket: 'hour' });
    const find = (at: number, model: string, label: string) =>
      hourly.find((b) => b.at === at && b.modelVersion === model && b.label === label);
    assert.deepEqual(
      { ...find(T0, 'det-2.1', 'car') },
      {
        at: T0,
        modelVersion: 'det-2.1',
        label: 'car',
        agreed: 1,
        changed: 0,
        deleted: 0,
        missed: 0,
        rate: 1,
      },
    );
    assert.equal(find(T0, 'det-2.1', 'person')?.deleted, 1);
    assert.equal(find(T0, 'det-2.1', 'dog')?.missed, 1);
    assert.equal(find(T0 + 3_600_000, 'det-2.1', 'car')?.changed, 1);
    assert.equal(find(T0 + 3_600_000, 'det-2.1', 'person')?.agreed, 1);
    assert.equal(find(T0 + 3_600_000, 'det-2.2', 'car')?.rate, 1);
    const daily = review.agreement({
      from: T0 - 9 * 3_600_000,
      to: T0 + 86_400_000,
      bucket: 'day',
      modelVersion: 'det-2.1',
    });
    const car = daily.find((b) => b.label === 'car')!;
    assert.equal(car.at, Date.UTC(2026, 2, 14));
    assert.equal(car.rate, 0.5);
    assert.ok(daily.every((b) => b.modelVersion === 'det-2.1'));
    queue.close();
  });

  test('a held item decided: upload queues it under the rules key, drop skips it; both in its history', () => {
    const queue = openQueue();
    const up = addCapture(queue, { name: 'up.jpg', predictions: [], state: 'held' }, 1);
    const down = addCapture(queue, { name: 'down.jpg', predictions: [], state: 'held' }, 2);
    const review = new ReviewService(queue);
    const keyFor = () => 'site/cam/up.jpg';
    const uploaded = review.decideHeld({ fileId: up, decision: 'upload', reviewer: 'ana' }, keyFor);
    assert.deepEqual(uploaded, {
      fileId: up,
      status: 'decided',
      state: 'queued',
      objectKey: 'site/cam/up.jpg',
    });
    assert.equal(queue.get(up)?.objectKey, 'site/cam/up.jpg');
    assert.equal(queue.deliveries.forFile(up).length, 1, 'a delivery to the default destination');
    assert.match(
      queue.history(up).at(-1)?.detail ?? '',
      /^review: upload by ana; queued as site\/cam\/up\.jpg/,
    );
    const dropped = review.decideHeld({ fileId: down, decision: 'drop', reviewer: 'bo', note: 'blurred' });
    assert.equal(dropped.status === 'decided' && dropped.state, 'skipped');
    assert.match(queue.history(down).at(-1)?.detail ?? '', /^review: drop by bo \(blurred\); not uploaded/);
    // Re-sent by a script without an id: the same reviewer's same decision is a duplicate, not a second
    // move; another reviewer's later decision is overtaken by the first (who, and that they disagree).
    assert.equal(review.decideHeld({ fileId: down, decision: 'drop', reviewer: 'bo' }).status, 'duplicate');
    const other = review.decideHeld({ fileId: down, decision: 'upload', reviewer: 'cy' });
    assert.equal(other.status, 'overtaken');
    assert.ok(other.status === 'overtaken');
    assert.equal(other.by, 'bo');
    assert.equal(other.agrees, false);
    assert.match(other.why, /bo dropped it first; your upload was not applied \(it is skipped\)/);
    assert.equal(queue.history(down).filter((c) => c.detail?.startsWith('review:')).length, 1);
    queue.close();
  });
});
