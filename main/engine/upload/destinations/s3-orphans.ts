import type { Leftovers } from '../types.ts';
import { abortUpload } from './s3-multipart.ts';
import type { S3Target } from './s3-object.ts';

/**
 * Aborts the multipart uploads this engine recorded starting and no file will resume (after a
 * crash, a quarantine, a file that changed), so their parts stop costing storage. Nothing is
 * listed: other sites may write into the same bucket and prefix, and an upload we did not
 * record is theirs however old it is. Returns how many were aborted; each one gone from the
 * store (aborted now, or already) is forgotten.
 */
export async function abortOrphanUploads(target: S3Target, leftovers: Leftovers): Promise<number> {
  let aborted = 0;
  for (const { key, uploadId } of leftovers.uploads) {
    // Already gone (NoSuchUpload) and stores that cannot abort (s3rver) return quietly too.
    await abortUpload(target, key, uploadId);
    leftovers.forget(uploadId);
    aborted += 1;
  }
  return aborted;
}
