import type { CaptureQueue } from '../queue/queue.ts';
import { rowToRecord } from '../queue/rows.ts';
import type { FileRecord } from '../queue/types.ts';
import type { MultipartProgress } from './types.ts';

/** The uploader's reads. Writes go through queue.transition() so the state machine stays in charge. */

/**
 * The next files to upload: `queued` ones, and `failed` ones whose retry time has come,
 * highest priority first, then by capture order (ids grow with discovery).
 */
export function nextUploads(
  queue: CaptureQueue,
  options: { now: number; limit: number; order: 'oldest' | 'newest'; exclude?: Iterable<number> },
): FileRecord[] {
  if (options.limit <= 0) return [];
  const exclude = [...(options.exclude ?? [])];
  const notIn = exclude.length > 0 ? `AND id NOT IN (${exclude.map(() => '?').join(', ')})` : '';
  const direction = options.order === 'newest' ? 'DESC' : 'ASC';
  return queue
    .select(
      `SELECT * FROM files
       WHERE (state = 'queued' OR (state = 'failed' AND (next_attempt_at IS NULL OR next_attempt_at <= ?))) ${notIn}
       ORDER BY priority DESC, id ${direction} LIMIT ?`,
      options.now,
      ...exclude,
      options.limit,
    )
    .map(rowToRecord);
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
