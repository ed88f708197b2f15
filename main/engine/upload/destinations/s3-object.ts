import {
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  type ObjectLockMode,
  PutObjectRetentionCommand,
  type S3Client,
  type StorageClass,
} from '@aws-sdk/client-s3';
import type { S3DestinationConfig } from '../../../../shared/upload-config.ts';
import { UploadError, type UploadSource } from '../types.ts';
import type { KeyState } from './object-keys.ts';
import { DirectRouteLost, type DirectS3 } from './s3-direct.ts';
import { classifyS3Error, isBodilessForbidden, isNotFound } from './s3-errors.ts';

/** Metadata key holding the whole file's sha256 (sent as x-amz-meta-sha256). */
export const SHA256_METADATA_KEY = 'sha256';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Header values must be printable ASCII; others are sent RFC 2047 encoded, as S3 itself returns them. */
function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value)
    ? value
    : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** The object attributes PutObject and CreateMultipartUpload share. */
export interface ObjectAttributes {
  ContentType: string;
  Metadata: Record<string, string>;
  Tagging?: string;
  StorageClass?: StorageClass;
  ObjectLockMode?: ObjectLockMode;
  ObjectLockRetainUntilDate?: Date;
}

export function objectAttributes(
  cfg: S3DestinationConfig,
  source: UploadSource,
  now = Date.now(),
): ObjectAttributes {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(source.metadata))
    metadata[name.toLowerCase()] = headerSafe(value);
  metadata[SHA256_METADATA_KEY] = source.sha256;
  const attributes: ObjectAttributes = {
    ContentType: source.contentType || 'application/octet-stream',
    Metadata: metadata,
  };
  if (cfg.tagging && source.tags && Object.keys(source.tags).length > 0) {
    // encodeURIComponent, not URLSearchParams: RGW keeps a '+' as a plus instead of reading a space.
    attributes.Tagging = Object.entries(source.tags)
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
      .join('&');
  }
  if (cfg.storageClass) attributes.StorageClass = cfg.storageClass as StorageClass;
  if (cfg.objectLock) {
    attributes.ObjectLockMode = cfg.objectLock.mode;
    attributes.ObjectLockRetainUntilDate = new Date(now + cfg.objectLock.days * DAY_MS);
  }
  return attributes;
}

export interface S3Target {
  client: S3Client;
  bucket: string;
  /** HEAD and single PUT without the SDK's overhead, where the destination allows it. */
  direct?: DirectS3;
}

/** What we read from a HEAD answer. */
export type ObjectHead = Pick<
  HeadObjectCommandOutput,
  'ContentLength' | 'ETag' | 'VersionId' | 'Metadata' | 'ObjectLockMode'
>;

/** target.direct when it may be used for this destination. */
export async function directRoute(target: S3Target): Promise<DirectS3 | undefined> {
  return target.direct && (await target.direct.usable()) ? target.direct : undefined;
}

/** The request made directly where that works, else (or once the store redirects us) by the SDK. */
export async function viaDirect<T>(
  target: S3Target,
  direct: (route: DirectS3) => Promise<T>,
  sdk: () => Promise<T>,
): Promise<T> {
  const route = await directRoute(target);
  if (route) {
    try {
      return await direct(route);
    } catch (err) {
      if (!(err instanceof DirectRouteLost)) throw err;
    }
  }
  return sdk();
}

/**
 * A bodiless 403 on HEAD cannot tell bad credentials from missing permission:
 * ask again with a request whose error has a body, and classify that answer.
 */
export async function explainForbidden(
  target: S3Target,
  key: string,
  headError: unknown,
  signal?: AbortSignal,
): Promise<UploadError> {
  try {
    await target.client.send(new ListObjectsV2Command({ Bucket: target.bucket, Prefix: key, MaxKeys: 1 }), {
      abortSignal: signal,
    });
  } catch (err) {
    signal?.throwIfAborted();
    return classifyS3Error(err, `ListObjectsV2 s3://${target.bucket}/${key}`);
  }
  return classifyS3Error(headError, `HEAD s3://${target.bucket}/${key}`);
}

/** HEAD of a key; undefined when nothing is there. */
export async function headObject(
  target: S3Target,
  key: string,
  signal?: AbortSignal,
): Promise<ObjectHead | undefined> {
  try {
    return await viaDirect(
      target,
      (direct) => direct.head(key, signal),
      () =>
        target.client.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }), {
          abortSignal: signal,
        }),
    );
  } catch (err) {
    signal?.throwIfAborted();
    if (isNotFound(err)) return undefined;
    if (isBodilessForbidden(err)) throw await explainForbidden(target, key, err, signal);
    throw classifyS3Error(err, `HeadObject s3://${target.bucket}/${key}`);
  }
}

export async function keyState(
  target: S3Target,
  key: string,
  source: Pick<UploadSource, 'sha256' | 'size'>,
  signal?: AbortSignal,
): Promise<KeyState> {
  const head = await headObject(target, key, signal);
  if (head === undefined) return 'absent';
  if (head.Metadata?.[SHA256_METADATA_KEY] !== source.sha256) return 'different';
  return head.ContentLength === source.size ? 'same' : 'damaged';
}

/** Reads back what the store holds and proves it is our file: size and our sha256 metadata. */
export async function verifyStored(
  target: S3Target,
  key: string,
  source: UploadSource,
  signal?: AbortSignal,
): Promise<ObjectHead> {
  const head = await headObject(target, key, signal);
  const where = `s3://${target.bucket}/${key}`;
  if (head === undefined) {
    throw new UploadError('integrity', `${where} is missing right after the upload completed`);
  }
  if (head.ContentLength !== source.size) {
    throw new UploadError('integrity', `${where} holds ${head.ContentLength} bytes, we sent ${source.size}`);
  }
  const stored = head.Metadata?.[SHA256_METADATA_KEY];
  if (stored !== source.sha256) {
    throw new UploadError(
      'integrity',
      `${where} has sha256 metadata ${stored ?? '(none)'}, expected ${source.sha256}`,
    );
  }
  return head;
}

/**
 * Makes sure the stored object carries the Object Lock retention we asked for. RGW 16.2 ignores
 * the lock headers of CreateMultipartUpload, so there we set the retention on the new version.
 */
export async function ensureRetention(
  target: S3Target,
  key: string,
  head: ObjectHead,
  attributes: ObjectAttributes,
  signal?: AbortSignal,
): Promise<void> {
  const { ObjectLockMode: mode, ObjectLockRetainUntilDate: until } = attributes;
  if (mode === undefined || until === undefined || head.ObjectLockMode !== undefined) return;
  try {
    await target.client.send(
      new PutObjectRetentionCommand({
        Bucket: target.bucket,
        Key: key,
        VersionId: head.VersionId,
        Retention: { Mode: mode, RetainUntilDate: until },
      }),
      { abortSignal: signal },
    );
  } catch (err) {
    signal?.throwIfAborted();
    throw classifyS3Error(err, `PutObjectRetention s3://${target.bucket}/${key}`);
  }
}
