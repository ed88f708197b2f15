import type { CaptureQueue } from '../queue/queue.ts';
import type { MultipartProgress } from './types.ts';

/** The uploader's reads. Writes go through queue.transition() so the state machine stays in charge. */

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

/** The queries for `queued` files: each reads the files_by_state index (state, priority DESC, id) alone. */
export const QUEUED_SQL = {
  oldest: `SELECT id, priority FROM files WHERE state = 'queued' ORDER BY priority DESC, id ASC LIMIT ?`,
  topPriority: `SELECT max(priority) AS p FROM files WHERE state = 'queued'`,
  nextPriority: `SELECT max(priority) AS p FROM files WHERE state = 'queued' AND priority < ?`,
  newestAt: `SELECT id, priority FROM files WHERE state = 'queued' AND priority = ? ORDER BY id DESC LIMIT ?`,
} as const;

/**
 * `queued` files in upload order, without sorting them: `newest` walks the index priority by
 * priority, backwards within each (the index runs id ascending).
 */
function queuedInOrder(queue: CaptureQueue, limit: number, order: Order): Candidate[] {
  if (order === 'oldest') return queue.select(QUEUED_SQL.oldest, limit).map(candidate);
  const found: Candidate[] = [];
  let below: number | undefined;
  while (found.length < limit) {
    const top = (
      below === undefined
        ? queue.select(QUEUED_SQL.topPriority)
        : queue.select(QUEUED_SQL.nextPriority, below)
    )[0]?.p;
    if (top == null) break;
    below = Number(top);
    const rows = queue.select(QUEUED_SQL.newestAt, below, limit - found.length);
    found.push(...rows.map(candidate));
  }
  return found;
}

/**
 * Ids of the next files to upload: `queued` ones, and `failed` ones whose retry time has come,
 * highest priority first, then by capture order. Two index-friendly queries rather than one OR
 * that would sort every queued row; in-flight files are `uploading`, so neither returns them.
 */
export function nextUploadIds(
  queue: CaptureQueue,
  options: { now: number; limit: number; order: Order },
): number[] {
  if (options.limit <= 0) return [];
  const queued = queuedInOrder(queue, options.limit, options.order);
  const due = queue
    .select(
      `SELECT id, priority FROM files
       WHERE state = 'failed' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
       ORDER BY priority DESC, id ${options.order === 'newest' ? 'DESC' : 'ASC'} LIMIT ?`,
      options.now,
      options.limit,
    )
    .map(candidate);
  const merged = due.length === 0 ? queued : [...queued, ...due].sort(compare(options.order));
  return merged.slice(0, options.limit).map((c) => c.id);
}

/** When the earliest failed file is due again, if any is waiting. */
export function nextRetryAt(queue: CaptureQueue): number | undefined {
  const row = queue.select(`SELECT min(next_attempt_at) AS at FROM files WHERE state = 'failed'`)[0];
  return row?.at == null ? undefined : Number(row.at);
}

/** Multipart upload ids the queue still means to resume: the store may not abort these. */
export function trackedUploadIds(queue: CaptureQueue): Set<string> {
  const ids = new Set<string>();
  for (const row of queue.select('SELECT upload FROM files WHERE upload IS NOT NULL')) {
    try {
      const progress = JSON.parse(String(row.upload)) as Partial<MultipartProgress> | null;
      if (typeof progress?.uploadId === 'string') ids.add(progress.uploadId);
    } catch {
      // A damaged progress record tracks nothing; the upload restarts from scratch.
    }
  }
  return ids;
}

/** How many files wait for the uploader (queued, or failed and due or not). */
export function pendingCount(queue: CaptureQueue): number {
  const row = queue.select(`SELECT count(*) AS n FROM files WHERE state IN ('queued', 'failed')`)[0];
  return Number(row?.n ?? 0);
}
