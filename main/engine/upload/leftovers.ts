import type { CaptureQueue } from '../queue/queue.ts';
import { trackedUploadIds } from './scheduler-queries.ts';
import type { MultipartProgress, StartedUpload } from './types.ts';

/**
 * What this engine left at the destination, from its own records, so the cleanup sweep can
 * remove exactly that: other sites may write into the same bucket, prefix or share, and their
 * uploads and temp files are not ours to touch however old they look.
 */

/** Queue meta key: every multipart upload this engine started and has not yet seen completed or aborted. */
const STARTED_KEY = 'multipart-uploads-started';

function readStarted(queue: CaptureQueue): Record<string, StartedUpload> {
  const raw = queue.getMeta(STARTED_KEY);
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, StartedUpload>) : {};
  } catch {
    // A damaged record forgets uploads: the store's lifecycle rule (if any) is then the only cleanup.
    return {};
  }
}

/** Remembers an upload the moment it is created (in the same commit as its first progress). */
export function recordStartedUpload(queue: CaptureQueue, progress: MultipartProgress): void {
  const started = readStarted(queue);
  if (started[progress.uploadId]) return;
  started[progress.uploadId] = {
    uploadId: progress.uploadId,
    key: progress.key,
    startedAt: progress.startedAt,
  };
  queue.setMeta(STARTED_KEY, JSON.stringify(started));
}

/** The upload completed, or is gone from the store: nothing left to clean up. */
export function forgetStartedUpload(queue: CaptureQueue, uploadId: string): void {
  const started = readStarted(queue);
  if (!started[uploadId]) return;
  delete started[uploadId];
  queue.setMeta(STARTED_KEY, JSON.stringify(started));
}

/** Uploads we started that no queued file means to resume and no upload in flight uses. */
export function orphanedUploads(queue: CaptureQueue, inFlight: ReadonlySet<string>): StartedUpload[] {
  const tracked = trackedUploadIds(queue);
  return Object.values(readStarted(queue)).filter(
    (upload) =>
      typeof upload?.uploadId === 'string' &&
      typeof upload.key === 'string' &&
      !tracked.has(upload.uploadId) &&
      !inFlight.has(upload.uploadId),
  );
}

/** Keys of files a crash left mid-upload (read before they are put back in the queue). */
export function interruptedKeys(queue: CaptureQueue): string[] {
  const keys: string[] = [];
  for (const row of queue.select(
    `SELECT object_key, json_extract(decision, '$.objectKey') AS decided FROM files WHERE state = 'uploading'`,
  )) {
    const key = row['object_key'] ?? row['decided'];
    if (typeof key === 'string' && key !== '') keys.push(key);
  }
  return keys;
}
