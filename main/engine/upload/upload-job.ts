import type { DeliveryRecord } from '../queue/delivery-types.ts';
import type { FileRecord } from '../queue/types.ts';
import type { RateMeter } from './rate-meter.ts';
import { type SidecarUpload, uploadSidecarBeside } from './sidecar-upload.ts';
import type { Destination, MultipartProgress, Throttle, UploadResult } from './types.ts';
import { buildUploadSource, resumableProgress } from './upload-source.ts';
import type { UploaderContext } from './uploader-types.ts';

/** One file on its way to one destination, from its claim to its recorded outcome. */
export interface Job {
  record: FileRecord;
  /** This destination's delivery of the file, as claimed. */
  delivery: DeliveryRecord;
  controller: AbortController;
  bytesSent: number;
  /** Set once we write the outcome: queue changes after this are ours. */
  settling: boolean;
  /** Why we aborted it: the engine is stopping, or someone else moved the file on. */
  abortedFor?: 'stop' | 'superseded';
  /** The multipart upload this job is sending, if any (kept from the sweep). */
  uploadId?: string;
  done?: Promise<void>;
}

/** A job for a delivery just claimed (moved to `uploading`), resuming its multipart upload if it has one. */
export function claimedJob(record: FileRecord, delivery: DeliveryRecord): Job {
  return {
    record,
    delivery,
    controller: new AbortController(),
    bytesSent: 0,
    settling: false,
    uploadId: resumableProgress(delivery.upload)?.uploadId,
  };
}

export function abort(job: Job, why: 'stop' | 'superseded'): void {
  if (job.abortedFor) return;
  job.abortedFor = why;
  job.controller.abort(new Error(why === 'stop' ? 'uploader stopping' : 'file moved on while uploading'));
}

/** What sending a job needs from its uploader. */
export interface JobSender {
  destination: Destination;
  ctx: UploaderContext;
  /** The destination's limit, then the site's. */
  throttle: Throttle;
  meter: RateMeter;
  /** Persists multipart progress as parts complete. */
  saveProgress(job: Job, progress: MultipartProgress | undefined): void;
}

/**
 * Sends the file (resuming its multipart upload when there is one), then its prediction sidecar
 * beside it when the site uploads sidecars. Throws what the destination threw; records nothing.
 */
export async function sendJob(
  job: Job,
  sender: JobSender,
): Promise<{ result: UploadResult; sidecar?: SidecarUpload }> {
  const { destination, ctx, throttle, meter } = sender;
  const device = ctx.deviceFor?.(job.record.folderId) ?? ctx.device;
  // This destination's key (its own template, or the rule's).
  const objectKey = job.delivery.objectKey ?? job.record.objectKey;
  const source = buildUploadSource({ ...job.record, objectKey }, { site: ctx.site, device });
  const result = await destination.upload(source, {
    resume: resumableProgress(job.delivery.upload),
    saveProgress: (progress) => sender.saveProgress(job, progress),
    signal: job.controller.signal,
    throttle,
    onBytes: (bytes) => {
      job.bytesSent += bytes;
      meter.add(bytes);
    },
  });
  if (!ctx.sidecars) return { result };
  const options = { signal: job.controller.signal, throttle, onBytes: (n: number) => meter.add(n) };
  const sidecar = await uploadSidecarBeside(destination, ctx.sidecars, {
    record: job.record,
    source,
    result,
    options,
  });
  return { result, sidecar };
}
