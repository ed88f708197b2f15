import { formatBytes } from '../config/units.ts';
import type { FileRecord } from '../queue/types.ts';
import { buildObjectMetadata, buildObjectTags, type MetadataContext } from './metadata.ts';
import type { Destination, MultipartProgress, UploadResult, UploadSource } from './types.ts';

/** What the destination needs to upload a queued file: its identity, key, metadata and tags. */
export function buildUploadSource(record: FileRecord, ctx: MetadataContext): UploadSource {
  const sha256 = record.sha256 ?? record.inspection?.sha256;
  const objectKey = record.objectKey ?? record.decision?.objectKey;
  if (!sha256 || !objectKey) {
    throw new Error(`${record.relPath} was queued without ${sha256 ? 'an object key' : 'a content hash'}`);
  }
  return {
    fileId: record.id,
    absPath: record.absPath,
    size: record.size,
    mtimeMs: record.mtimeMs,
    sha256,
    contentType: record.contentType ?? record.inspection?.contentType ?? 'application/octet-stream',
    objectKey,
    metadata: buildObjectMetadata(record, ctx),
    tags: buildObjectTags(record, ctx),
  };
}

/** The queue's `upload` column, when it holds multipart progress worth offering for resume. */
export function resumableProgress(upload: unknown): MultipartProgress | undefined {
  const progress = upload as Partial<MultipartProgress> | undefined;
  return typeof progress?.uploadId === 'string' && Array.isArray(progress.parts)
    ? (progress as MultipartProgress)
    : undefined;
}

/** "uploaded 4.0 KiB as s3 key site/cam/a.jpg (already present)": the file's history line. */
export function successDetail(destination: Destination, record: FileRecord, result: UploadResult): string {
  const where = destination.isLocalDemo ? 'local demo key' : destination.kind === 's3' ? 's3 key' : 'file';
  let detail = `uploaded ${formatBytes(record.size)} as ${where} ${result.key}`;
  if (result.alreadyPresent) detail += ' (already present)';
  if (result.partsReused) detail += `; resumed, ${result.partsReused} part(s) reused`;
  return detail;
}
