import type { Throughput } from '../../shared/contract/index.ts';
import type { CaptureQueue } from '../engine/queue/queue.ts';
import type { QueueChange } from '../engine/queue/types.ts';

export const THROUGHPUT_INTERVAL_MS = 60_000;
export const THROUGHPUT_WINDOW_MS = 60 * 60_000;

type Reader = Pick<CaptureQueue, 'select'>;

/**
 * Files and bytes uploaded per minute over the last hour: filled from the change log at start (so a
 * restart keeps the chart), then kept current from the change stream. A few dozen numbers in memory.
 */
export class ThroughputSeries {
  private readonly buckets = new Map<number, { files: number; bytes: number }>();
  private readonly queue: Reader;
  private readonly now: () => number;
  readonly intervalMs: number;

  constructor(queue: Reader, options: { now?: () => number; intervalMs?: number } = {}) {
    this.queue = queue;
    this.now = options.now ?? Date.now;
    this.intervalMs = options.intervalMs ?? THROUGHPUT_INTERVAL_MS;
    const since = this.now() - THROUGHPUT_WINDOW_MS;
    // `at` has no index; the log is walked from the newest end until an hour back.
    const rows = this.queue.select(
      `SELECT e.at AS at, f.size AS size FROM events e JOIN files f ON f.id = e.file_id
       WHERE e.seq > (SELECT coalesce(max(seq), 0) - 500000 FROM events)
         AND e.to_state = 'uploaded' AND e.at >= ?`,
      since,
    );
    for (const row of rows) this.add(Number(row.at), Number(row.size ?? 0));
  }

  /** Counts the uploads in a batch of changes; true when any was counted. */
  record(changes: readonly QueueChange[]): boolean {
    const ids: number[] = [];
    const at = new Map<number, number>();
    for (const change of changes) {
      if (change.to !== 'uploaded' || change.from === 'uploaded' || change.fileId === null) continue;
      ids.push(change.fileId);
      at.set(change.fileId, change.at);
    }
    if (ids.length === 0) return false;
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = this.queue.select(
        `SELECT id, size FROM files WHERE id IN (${chunk.map(() => '?').join(', ')})`,
        ...chunk,
      );
      const sizes = new Map(rows.map((row) => [Number(row.id), Number(row.size)]));
      for (const id of chunk) this.add(at.get(id) ?? this.now(), sizes.get(id) ?? 0);
    }
    return true;
  }

  private add(at: number, bytes: number): void {
    const start = at - (at % this.intervalMs);
    const bucket = this.buckets.get(start) ?? { files: 0, bytes: 0 };
    bucket.files += 1;
    bucket.bytes += bytes;
    this.buckets.set(start, bucket);
  }

  /** Every interval of the last hour, oldest first, zeros included (the chart's x axis is time). */
  snapshot(): Throughput {
    const now = this.now();
    const last = now - (now % this.intervalMs);
    const first = last - THROUGHPUT_WINDOW_MS + this.intervalMs;
    for (const start of this.buckets.keys()) if (start < first) this.buckets.delete(start);
    const buckets: Throughput['buckets'] = [];
    for (let start = first; start <= last; start += this.intervalMs) {
      const bucket = this.buckets.get(start);
      buckets.push({ at: start, files: bucket?.files ?? 0, bytes: bucket?.bytes ?? 0 });
    }
    return { intervalMs: this.intervalMs, buckets };
  }
}
