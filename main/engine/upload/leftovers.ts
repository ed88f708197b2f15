import { DEFAULT_DESTINATION } from '../queue/delivery-types.ts';
import type { CaptureQueue } from '../queue/queue.ts';
import { trackedUploadIds } from './scheduler-queries.ts';
import type { MultipartProgress, StartedUpload } from './types.ts';

/**
 * What this engine left at the destination, from its own records, so the cleanup sweep can
 * remove exactly that: other sites may write into the same bucket, prefix or share, and their
 * uploads and temp files are not ours to touch however old they look.
 */

/**
 * Queue meta key: every multipart upload this engine started at a destination and has not yet seen
 * completed or aborted (the `default` destination keeps the key it had before destinations were many).
 */
function startedKey(destination: string): string {
  return destination === DEFAULT_DESTINATION
    ? 'multipart-uploads-started'
    : `multipart-uploads-started:${destination}`;
}

function readStarted(queue: CaptureQueue, destination: string): Record<string, StartedUpload> {
  const raw = queue.getMeta(startedKey(destination));
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
export function recordStartedUpload(
  queue: CaptureQueue,
  progress: MultipartProgress,
  destination = DEFAULT_DESTINATION,
): void {
  const started = readStarted(queue, destination);
  if (started[progress.uploadId]) return;
  started[progress.uploadId] = {
    uploadId: progress.uploadId,
    key: progress.key,
    startedAt: progress.startedAt,
  };
  queue.setMeta(startedKey(destination), JSON.stringify(started));
}

/** The upload completed, or is gone from the store: nothing left to clean up. */
export function forgetStartedUpload(
  queue: CaptureQueue,
  uploadId: string,
  destination = DEFAULT_DESTINATION,
): void {
  const started = readStarted(queue, destination);
  if (!started[uploadId]) return;
  delete started[uploadId];
  queue.setMeta(startedKey(destination), JSON.stringify(started));
}

/** Uploads we started that no queued file means to resume and no upload in flight uses. */
export function orphanedUploads(
  queue: CaptureQueue,
  inFlight: ReadonlySet<string>,
  destination = DEFAULT_DESTINATION,
): StartedUpload[] {
  const tracked = trackedUploadIds(queue, destination);
  return Object.values(readStarted(queue, destination)).filter(
    (upload) =>
      typeof upload?.uploadId === 'string' &&
      typeof upload.key === 'string' &&
      !tracked.has(upload.uploadId) &&
      !inFlight.has(upload.uploadId),
  );
}

/** Keys of this destination's uploads a crash left mid-way (read before they are put back in the queue). */
export function interruptedKeys(queue: CaptureQueue, destination = DEFAULT_DESTINATION): string[] {
  const keys: string[] = [];
  for (const row of queue.select(
    `SELECT d.object_key, json_extract(f.decision, '$.objectKey') AS decided
     FROM deliveries d JOIN files f ON f.id = d.file_id WHERE d.destination = ? AND d.state = 'uploading'`,
    destination,
  )) {
    const key = row['object_key'] ?? row['decided'];
    if (typeof key === 'string' && key !== '') keys.push(key);
  }
  return keys;
}
