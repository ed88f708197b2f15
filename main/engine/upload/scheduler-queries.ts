import { DEFAULT_DESTINATION } from '../queue/delivery-types.ts';
import type { CaptureQueue } from '../queue/queue.ts';
import type { MultipartProgress } from './types.ts';

/**
 * The uploader's reads, one destination at a time, from the deliveries table. Writes go through the
 * queue's delivery moves so the state machine stays in charge.
 */

type Order = 'oldest' | 'newest';

interface Candidate {
  id: number;
  priority: number;
}

/** Highest priority first, then by capture order (ids grow with discovery). */
function compare(order: Order): (a: Candidate, b: Candidate) => number {
  return (a, b) => b.priority - a.priority || (order === 'newest' ? b.id - a.id : a.id - b.id);
}

const candidate = (row: Record<string, unknown>): Candidate => ({
  id: Number(row.id),
  priority: Number(row.priority),
});

/**
 * The queries for one destination's `queued` deliveries: each reads the deliveries_by_state index
 * (destination, state, priority DESC, file_id) alone.
 */
export const QUEUED_SQL = {
  oldest: `SELECT file_id AS id, priority FROM deliveries WHERE destination = ? AND state = 'queued'
    ORDER BY priority DESC, file_id ASC LIMIT ?`,
  topPriority: `SELECT max(priority) AS p FROM deliveries WHERE destination = ? AND state = 'queued'`,
  nextPriority: `SELECT max(priority) AS p FROM deliveries WHERE destination = ? AND state = 'queued' AND priority < ?`,
  newestAt: `SELECT file_id AS id, priority FROM deliveries WHERE destination = ? AND state = 'queued' AND priority = ?
    ORDER BY file_id DESC LIMIT ?`,
} as const;

/**
 * `queued` deliveries in upload order, without sorting them: `newest` walks the index priority by
 * priority, backwards within each (the index runs file id ascending).
 */
function queuedInOrder(queue: CaptureQueue, destination: string, limit: number, order: Order): Candidate[] {
  if (order === 'oldest') return queue.select(QUEUED_SQL.oldest, destination, limit).map(candidate);
  const found: Candidate[] = [];
  let below: number | undefined;
  while (found.length < limit) {
    const top = (
      below === undefined
        ? queue.select(QUEUED_SQL.topPriority, destination)
        : queue.select(QUEUED_SQL.nextPriority, destination, below)
    )[0]?.p;
    if (top == null) break;
    below = Number(top);
    const rows = queue.select(QUEUED_SQL.newestAt, destination, below, limit - found.length);
    found.push(...rows.map(candidate));
  }
  return found;
}

/**
 * File ids of the next uploads to one destination: `queued` deliveries, and `failed` ones whose retry
 * time has come, highest priority first, then by capture order. Two index-friendly queries rather
 * than one OR that would sort every queued row; in-flight deliveries are `uploading`, so neither
 * returns them.
 */
export function nextUploadIds(
  queue: CaptureQueue,
  options: { now: number; limit: number; order: Order; destination?: string },
): number[] {
  if (options.limit <= 0) return [];
  const destination = options.destination ?? DEFAULT_DESTINATION;
  const queued = queuedInOrder(queue, destination, options.limit, options.order);
  const due = queue
    .select(
      `SELECT file_id AS id, priority FROM deliveries
       WHERE destination = ? AND state = 'failed' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
       ORDER BY priority DESC, file_id ${options.order === 'newest' ? 'DESC' : 'ASC'} LIMIT ?`,
      destination,
      options.now,
      options.limit,
    )
    .map(candidate);
  const merged = due.length === 0 ? queued : [...queued, ...due].sort(compare(options.order));
  return merged.slice(0, options.limit).map((c) => c.id);
}

/** When the earliest failed delivery to this destination is due again, if any is waiting. */
export function nextRetryAt(queue: CaptureQueue, destination = DEFAULT_DESTINATION): number | undefined {
  const row = queue.select(
    `SELECT min(next_attempt_at) AS at FROM deliveries WHERE destination = ? AND state = 'failed'`,
    destination,
  )[0];
  return row?.at == null ? undefined : Number(row.at);
}

/** Multipart upload ids the queue still means to resume at this destination: the store may not abort these. */
export function trackedUploadIds(queue: CaptureQueue, destination = DEFAULT_DESTINATION): Set<string> {
  const ids = new Set<string>();
  for (const row of queue.select(
    'SELECT upload FROM deliveries WHERE destination = ? AND upload IS NOT NULL',
    destination,
  )) {
    try {
      const progress = JSON.parse(String(row.upload)) as Partial<MultipartProgress> | null;
      if (typeof progress?.uploadId === 'string') ids.add(progress.uploadId);
    } catch {
      // A damaged progress record tracks nothing; the upload restarts from scratch.
    }
  }
  return ids;
}

/** How many deliveries wait for an uploader (queued, or failed and due or not), for one destination or all. */
export function pendingCount(queue: CaptureQueue, destination?: string): number {
  const row =
    destination === undefined
      ? queue.select(`SELECT count(*) AS n FROM deliveries WHERE state IN ('queued', 'failed')`)[0]
      : queue.select(
          `SELECT count(*) AS n FROM deliveries WHERE destination = ? AND state IN ('queued', 'failed')`,
          destination,
        )[0];
  return Number(row?.n ?? 0);
}
