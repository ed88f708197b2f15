import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { REVIEW_INDEX_BATCH_SQL } from '../review/schema.ts';
import { INDEX_BATCH_SQL } from './schema.ts';

/**
 * Why marks and batches (bench/capture.bench.ts --only scan,live, 2-core VM, triggers vs indexer run
 * back to back, load average 3–6): catch-up of 100,000 files went 2,993–3,006 → 5,022–5,323 files/s
 * (4,982–5,250 counting until the indexes caught up), live intake 2,066–3,090 → 2,852–3,865 files/s,
 * main-thread CPU 256–275 → 188–210 µs per file, indexing included. A mark costs one insert-or-ignore;
 * the indexer derives each file once however often it was written within the interval (discovered,
 * inspected, queued…), one statement per table per batch instead of one trigger program per write.
 * 250 ms keeps that coalescing (a file's capture path is shorter) and a reader's wait small.
 */
export const INDEX_INTERVAL_MS = 250;
/** Files per transaction: 500 take about 10–25 ms (20–50 µs per file), so the event loop is never held long. */
export const INDEX_BATCH_ROWS = 500;
/**
 * How long a search or a review request may spend indexing pending marks before it reads (oldest
 * first, in batches of INDEX_ON_READ_ROWS, so it overshoots by one batch at most): a file captured a
 * moment ago is then usually findable, and the 50 ms next-item goal holds with a full interval of
 * intake pending (bench/review.bench.ts --arriving). Marks left are younger than the interval: the
 * timer's pass is due anyway.
 */
export const INDEX_ON_READ_MS = 20;
export const INDEX_ON_READ_ROWS = 100;

export interface IndexerOptions {
  /** Runs fn in one write transaction on the queue's connection (CaptureQueue.transaction). */
  transaction: <T>(fn: () => T) => T;
  /** How long after a change the indexer runs at the latest. */
  intervalMs?: number;
  batchRows?: number;
  /** Reports a failed background pass (the marks stay; the next pass retries). */
  onError?: (error: Error) => void;
}

/**
 * Brings the catalog and the review queue up to date with `files`: takes the files marked in
 * `catalog_dirty` (by triggers, in the writers' transactions), rebuilds their derived rows and removes
 * the marks, one batch per transaction, so a crash loses no mark and repeats no half batch. Runs on
 * the queue's connection: a second writer would make the capture path wait for the lock.
 *
 * The schedule: the first change after an idle spell arms a timer of `intervalMs`; a pass then indexes
 * batches until no mark is left, yielding to the event loop between them. Readers (catalog searches,
 * the review queue) call catchUp() first, so what they show is never more than a bounded batch behind.
 */
export class DerivedIndexer {
  private readonly transaction: <T>(fn: () => T) => T;
  private readonly intervalMs: number;
  private readonly batchRows: number;
  private readonly onError: (error: Error) => void;
  private readonly statements: StatementSync[];
  private readonly boundary: StatementSync;
  private readonly anyPending: StatementSync;
  private readonly countPending: StatementSync;
  private readonly unmark: StatementSync;
  private readonly markOf: StatementSync;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(db: DatabaseSync, options: IndexerOptions) {
    this.transaction = options.transaction;
    this.intervalMs = options.intervalMs ?? INDEX_INTERVAL_MS;
    this.batchRows = Math.max(1, options.batchRows ?? INDEX_BATCH_ROWS);
    this.onError = options.onError ?? (() => {});
    // The batch's last file id: the batch is every mark up to it (marks are keyed by file id).
    this.boundary = db.prepare(
      'SELECT max(file_id) AS upto FROM (SELECT file_id FROM catalog_dirty ORDER BY file_id LIMIT ?)',
    );
    this.anyPending = db.prepare('SELECT 1 FROM catalog_dirty LIMIT 1');
    this.countPending = db.prepare('SELECT count(*) AS n FROM catalog_dirty');
    this.unmark = db.prepare('DELETE FROM catalog_dirty WHERE file_id <= ?');
    this.markOf = db.prepare('SELECT 1 FROM catalog_dirty WHERE file_id = ?');
    this.statements = [...INDEX_BATCH_SQL, ...REVIEW_INDEX_BATCH_SQL].map((sql) => db.prepare(sql));
    if (this.anyPending.get()) this.schedule();
  }

  /** Files changed but not indexed yet. */
  pending(): number {
    return Number(this.countPending.get()?.n ?? 0);
  }

  /** A change was committed: index it within intervalMs (no-op when a pass is already due). */
  schedule(delayMs = this.intervalMs): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => this.pass(), delayMs);
    this.timer.unref();
  }

  /**
   * Indexes up to maxRows marked files now, oldest marks first, in batches (one transaction each),
   * stopping after the batch that passes budgetMs; returns how many. Inside a caller's transaction
   * the work joins it.
   */
  catchUp(options: { maxRows?: number; budgetMs?: number; batchRows?: number } = {}): number {
    const maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
    const deadline = performance.now() + (options.budgetMs ?? Number.POSITIVE_INFINITY);
    const batch = options.batchRows ?? this.batchRows;
    let done = 0;
    while (done < maxRows && performance.now() < deadline) {
      const n = this.indexBatch(Math.min(batch, maxRows - done));
      done += n;
      if (n === 0) break;
    }
    return done;
  }

  /** Whether this file has changes not indexed yet. */
  isPending(fileId: number): boolean {
    return this.markOf.get(fileId) !== undefined;
  }

  /** Stops the schedule (the queue is closing); marks left are indexed after the next open. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pass(): void {
    this.timer = undefined;
    if (this.stopped) return;
    try {
      if (this.indexBatch(this.batchRows) === 0) return;
    } catch (error) {
      this.onError(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    // More may be left: go on once whatever else is waiting has run.
    this.schedule(0);
  }

  /** One batch in one transaction; returns how many marked files it indexed (0: none left). */
  private indexBatch(rows: number): number {
    if (!this.anyPending.get()) return 0;
    return this.transaction(() => {
      const upto = this.boundary.get(rows)?.upto;
      if (upto == null) return 0;
      for (const statement of this.statements) statement.run({ upto: Number(upto) });
      return Number(this.unmark.run(Number(upto)).changes);
    });
  }
}
