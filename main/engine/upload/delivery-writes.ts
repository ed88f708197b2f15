import type { DeliveryRecord } from '../queue/delivery-types.ts';
import type { CaptureQueue } from '../queue/queue.ts';
import type { FileRecord } from '../queue/types.ts';
import { asUploadError } from './connectivity.ts';
import type { FailureOutcome } from './failure-policy.ts';
import { forgetStartedUpload, recordStartedUpload } from './leftovers.ts';
import type { SidecarUpload } from './sidecar-upload.ts';
import type { Destination, MultipartProgress, UploadResult } from './types.ts';
import { successDetail } from './upload-source.ts';
import type { AfterUploadHook } from './uploader-types.ts';

/**
 * The uploader's writes for one destination: each is a delivery move (the file's state follows as
 * the summary of its deliveries), except what concerns the local file itself (changed, vanished,
 * unreadable), which moves the file and so every destination's delivery of it.
 */

/** A delivery claimed for upload: the file as read, and its delivery row. */
export interface ClaimedDelivery {
  record: FileRecord;
  delivery: DeliveryRecord;
}

/**
 * Persists multipart progress unless the delivery was meanwhile moved on by someone else (returns
 * false then). A new upload is recorded as ours in any case (the orphan sweep aborts only recorded
 * ones); progress cleared means it completed or was aborted, so it is forgotten.
 */
export function saveDeliveryProgress(
  queue: CaptureQueue,
  name: string,
  fileId: number,
  previousUploadId: string | undefined,
  progress: MultipartProgress | undefined,
): boolean {
  return queue.transaction(() => {
    if (progress) recordStartedUpload(queue, progress, name);
    else if (previousUploadId) forgetStartedUpload(queue, previousUploadId, name);
    return queue.deliveries.move(fileId, name, ['uploading'], 'uploading', { upload: progress ?? null });
  });
}

/**
 * Records one confirmed upload (inside the caller's transaction). Returns the file record when this
 * was its last destination (the file is now `uploaded`, and the after-upload step has run), `null`
 * when other destinations still wait, undefined when the file moved on meanwhile.
 */
export function recordDelivered(
  queue: CaptureQueue,
  name: string,
  destination: Destination,
  claimed: ClaimedDelivery,
  outcome: { result: UploadResult; sidecar?: SidecarUpload; now: number; afterUpload?: AfterUploadHook },
): FileRecord | null | undefined {
  const { record } = claimed;
  const { result, sidecar } = outcome;
  const patch = {
    objectKey: result.key,
    upload: null,
    lastError: null,
    nextAttemptAt: null,
    sidecar: sidecar?.copy ?? null,
  };
  const detail = `${successDetail(destination, record, result)}${sidecar?.note ?? ''}`;
  if (!queue.deliveries.move(record.id, name, ['uploading'], 'uploaded', patch, detail)) {
    queue.note('upload', `${record.relPath} reached ${name} as ${result.key} but changed meanwhile`);
    return undefined;
  }
  const state = queue.rowVersion(record.id)?.state;
  if (state !== 'uploaded') return null;
  // What the row now says, without reading it all back.
  const first = claimed.delivery.ordinal === 0 ? undefined : queue.deliveries.forFile(record.id)[0];
  const updated: FileRecord = {
    ...record,
    state: 'uploaded',
    stateChangedAt: outcome.now,
    objectKey: first?.objectKey ?? result.key,
    upload: undefined,
    lastError: undefined,
    nextAttemptAt: undefined,
    sidecar: first ? (queue.get(record.id)?.sidecar ?? undefined) : sidecar?.copy,
  };
  if (!outcome.afterUpload) return updated;
  try {
    return outcome.afterUpload.afterUploadInTransaction(updated);
  } catch (error) {
    // The upload stands; the after-upload step is retried by retention's sweep.
    queue.note('upload', `after uploading ${updated.relPath}: ${asUploadError(error).message}`);
    return updated;
  }
}

/** A failure's outcome: the delivery retries, is quarantined or in conflict; the file changed, vanished or is unreadable. */
export function applyOutcome(
  queue: CaptureQueue,
  name: string,
  fileId: number,
  outcome: FailureOutcome,
): void {
  switch (outcome.to) {
    case 'revisit':
      queue.revisit(fileId, outcome.detail);
      return;
    case 'vanished':
    case 'unreadable':
      queue.transition(fileId, outcome.to, outcome.patch, outcome.detail);
      return;
    default: {
      const to = outcome.to;
      queue.transaction(() => {
        queue.deliveries.move(fileId, name, ['uploading'], to, outcome.patch, outcome.detail);
      });
    }
  }
}

/** Back to `queued` with its attempts untouched (a pause, a stop); progress is kept for resume. */
export function requeueDelivery(
  queue: CaptureQueue,
  name: string,
  fileId: number,
  detail: string,
  lastError?: string,
): void {
  queue.transaction(() => {
    queue.deliveries.move(fileId, name, ['uploading'], 'queued', lastError ? { lastError } : {}, detail);
  });
}
