/**
 * Review benchmark (issue 10): next-item latency while reviewing a set of predicted images.
 *   node bench/review.bench.ts [--items 10000] [--steps 1000] [--arriving 750]
 * A queue of N captures with 1–6 boxed predictions each (10% held by a rule) is filled the way the
 * pipeline fills it (inspection, then decision: triggers mark them) and indexed by the indexer
 * (timed). Then a reviewer works through the queue: each step asks for the next unreviewed item
 * (review.list), opens it (review.item), and submits a correction (corrections.submit), as the UI does. Also: the next
 * item with a class filter, with review.threshold ordering, and deep in the queue with a cursor.
 * Last, the next item while captures keep arriving: before each step --arriving new captures are
 * committed and not yet indexed (250 ms of intake at 3,000 files/s), so review.list indexes them first.
 * Prints p50/p95/p99 per operation; the goal is next item (list + item) ≤ 50 ms at p95.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { type CorrectedObject, ReviewService } from '../main/engine/review/index.ts';
import type { Decision } from '../shared/decision.ts';
import type { Inspection } from '../shared/inspection.ts';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '10000' },
    steps: { type: 'string', default: '1000' },
    arriving: { type: 'string', default: '750' },
  },
});
const ARRIVING = Number(values.arriving);
const ITEMS = Number(values.items);
const STEPS = Number(values.steps);
const LABELS = ['car', 'person', 'bicycle', 'dog', 'truck', 'bus', 'cat', 'van'];

let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};

function fill(queue: CaptureQueue): void {
  const started = performance.now();
  addCaptures(queue, 0, ITEMS);
  console.log(`filled ${ITEMS} predicted captures in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const indexing = performance.now();
  const indexed = queue.catchUpIndexes();
  console.log(
    `indexed ${indexed} captures for review and the catalog in ${((performance.now() - indexing) / 1000).toFixed(1)} s`,
  );
}

function addCaptures(queue: CaptureQueue, from: number, count: number): void {
  for (let start = from; start < from + count; start += 1000) {
    queue.transaction(() => {
      for (let i = start; i < Math.min(from + count, start + 1000); i += 1) {
        const { id } = queue.discover({
          folderId: i % 2 ? 'north' : 'south',
          relPath: `frame_${i}.jpg`,
          absPath: `/captures/frame_${i}.jpg`,
          size: 50_000,
          mtimeMs: 1_700_000_000_000 + i,
        });
        const count = 1 + Math.floor(random() * 6);
        const items = Array.from({ length: count }, () => ({
          label: LABELS[Math.floor(random() * LABELS.length)]!,
          score: Math.round(random() * 1000) / 1000,
          box: { x: random() * 500, y: random() * 380, w: 20 + random() * 100, h: 20 + random() * 80 },
        }));
        const inspection: Inspection = {
          size: 50_000,
          mtimeMs: 1_700_000_000_000 + i,
          sha256: i.toString(16).padStart(64, '0'),
          contentType: 'image/jpeg',
          contentTypeSource: 'magic',
          tags: {},
          warnings: [],
          exif: { ImageWidth: 640, ImageHeight: 480 },
          predictions: { modelVersion: i < ITEMS / 2 ? 'det-2.1' : 'det-2.2', items },
        };
        queue.saveInspection(id, inspection);
        const held = i % 10 === 0;
        const decision: Decision = {
          action: held ? 'hold' : 'upload',
          rule: held ? 'uncertain' : 'frames',
          ruleIndex: 0,
          reason: 'bench',
          priority: 0,
          objectKey: held ? undefined : `plant7/frame_${i}.jpg`,
          metadata: {},
          trace: [],
          decidedAt: 0,
        };
        queue.saveDecision(id, decision, held ? 'held' : 'queued');
      }
    });
  }
}

function percentiles(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `p50 ${at(0.5).toFixed(2)} ms  p95 ${at(0.95).toFixed(2)} ms  p99 ${at(0.99).toFixed(2)} ms  (n=${sorted.length})`;
}

function time<T>(samples: number[], fn: () => T): T {
  const started = performance.now();
  const result = fn();
  samples.push(performance.now() - started);
  return result;
}

const dir = await mkdtemp(join(tmpdir(), 'edge-review-bench-'));
try {
  // The indexer's timer stays out of the way: indexing happens where the bench says (fill, review.list).
  const queue = new CaptureQueue(join(dir, 'queue.db'), { indexIntervalMs: 3_600_000 });
  fill(queue);
  const review = new ReviewService(queue);
  const list: number[] = [];
  const item: number[] = [];
  const next: number[] = [];
  const submit: number[] = [];
  for (let step = 0; step < STEPS; step += 1) {
    const started = performance.now();
    const page = time(list, () => review.list({ reviewStates: ['unreviewed'] }, { limit: 20 }));
    const first = page.items[0];
    if (!first) break;
    const detail = time(item, () => review.item(first.fileId))!;
    next.push(performance.now() - started);
    // The reviewer relabels the first box, keeps the rest, sometimes adds one.
    const objects: CorrectedObject[] = detail.predictions.map((p, i) => ({
      label: i === 0 && step % 3 === 0 ? 'van' : p.label,
      box: p.box,
      from: i,
    }));
    if (step % 5 === 0) objects.push({ label: 'person', box: { x: 1, y: 1, w: 30, h: 60 } });
    time(submit, () =>
      review.submit([
        {
          id: randomUUID(),
          fileId: detail.fileId,
          sha256: detail.sha256!,
          reviewer: 'bench',
          objects,
          createdAt: Date.now(),
        },
      ]),
    );
  }
  const filtered: number[] = [];
  for (let i = 0; i < 200; i += 1)
    time(filtered, () =>
      review.list({ label: LABELS[i % LABELS.length]!, reviewStates: ['unreviewed'] }, { limit: 20 }),
    );
  const deep: number[] = [];
  let cursor: string | undefined;
  do {
    const page = time(deep, () => review.list({}, { cursor, limit: 50 }));
    cursor = page.nextCursor;
  } while (cursor);
  review.setThreshold(0.5);
  const threshold: number[] = [];
  for (let i = 0; i < 200; i += 1)
    time(threshold, () => review.list({ reviewStates: ['unreviewed'] }, { limit: 20 }));
  const agreement: number[] = [];
  for (let i = 0; i < 50; i += 1)
    time(agreement, () => review.agreement({ from: 0, to: Date.now() + 1000, bucket: 'hour' }));

  const arriving: number[] = [];
  let added = ITEMS;
  for (let step = 0; step < 100 && ARRIVING > 0; step += 1) {
    addCaptures(queue, added, ARRIVING);
    added += ARRIVING;
    const started = performance.now();
    const first = review.list({ reviewStates: ['unreviewed'] }, { limit: 20 }).items[0];
    if (first) review.item(first.fileId);
    arriving.push(performance.now() - started);
  }

  console.log(`review queue of ${ITEMS} predicted items, ${STEPS} review steps (node ${process.version})`);
  console.log(`  next item (list + item)      ${percentiles(next)}`);
  console.log(`  review.list (unreviewed, 20) ${percentiles(list)}`);
  console.log(`  review.item                  ${percentiles(item)}`);
  console.log(`  corrections.submit (1)       ${percentiles(submit)}`);
  console.log(`  review.list, class filter    ${percentiles(filtered)}`);
  console.log(`  review.list, threshold order ${percentiles(threshold)}`);
  console.log(`  review.list, every page (50) ${percentiles(deep)}`);
  console.log(`  review.agreement (hourly)    ${percentiles(agreement)}`);
  if (arriving.length > 0)
    console.log(`  next item, ${ARRIVING} new captures to index first ${percentiles(arriving)}`);
  console.log(
    `  load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  queue.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
