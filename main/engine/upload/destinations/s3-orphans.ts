import { ListMultipartUploadsCommand, type ListMultipartUploadsCommandOutput } from '@aws-sdk/client-s3';
import { classifyS3Error, isUnsupported } from './s3-errors.ts';
import { abortUpload } from './s3-multipart.ts';
import type { S3Target } from './s3-object.ts';

/** Bounds one sweep, so a bucket full of foreign uploads cannot keep it running for long. */
const MAX_PAGES = 100;

/**
 * Aborts multipart uploads under our prefix that the queue no longer tracks and that began
 * more than `olderThanMs` ago (so a crash's leftovers stop costing storage). Returns how many.
 * Stores that cannot list uploads (s3rver) count as having none.
 */
export async function abortOrphanUploads(
  target: S3Target,
  prefix: string | undefined,
  tracked: ReadonlySet<string>,
  olderThanMs: number,
): Promise<number> {
  const cutoff = Date.now() - olderThanMs;
  const stale: { key: string; uploadId: string }[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    let out: ListMultipartUploadsCommandOutput;
    try {
      out = await target.client.send(
        new ListMultipartUploadsCommand({
          Bucket: target.bucket,
          Prefix: prefix || undefined,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
    } catch (err) {
      if (isUnsupported(err)) return 0;
      throw classifyS3Error(err, `ListMultipartUploads s3://${target.bucket}/${prefix ?? ''}`);
    }
    for (const upload of out.Uploads ?? []) {
      const { Key: key, UploadId: uploadId, Initiated: initiated } = upload;
      if (!key || !uploadId || tracked.has(uploadId)) continue;
      if (prefix && !key.startsWith(prefix)) continue;
      if (initiated === undefined || initiated.getTime() > cutoff) continue;
      stale.push({ key, uploadId });
    }
    if (!out.IsTruncated) break;
    keyMarker = out.NextKeyMarker;
    uploadIdMarker = out.NextUploadIdMarker;
  }
  for (const { key, uploadId } of stale) await abortUpload(target, key, uploadId);
  return stale.length;
}
