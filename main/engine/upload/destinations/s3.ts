import { createHash } from 'node:crypto';
import {
  HeadBucketCommand,
  PutObjectCommand,
  type PutObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { S3DestinationConfig } from '../../../../shared/upload-config.ts';
import type { Destination, MultipartProgress, UploadOptions, UploadResult, UploadSource } from '../types.ts';
import { UploadError } from '../types.ts';
import { candidateKeys, joinKey, normalizePrefix, resolveTargetKey } from './object-keys.ts';
import { classifyS3Error, isBodilessForbidden, isNotFound } from './s3-errors.ts';
import { abortUpload, uploadMultipart } from './s3-multipart.ts';
import {
  ensureRetention,
  explainForbidden,
  keyState,
  objectAttributes,
  type S3Target,
  verifyStored,
} from './s3-object.ts';
import { abortOrphanUploads } from './s3-orphans.ts';
import { createS3Client, describeEndpoint } from './s3-transport.ts';
import {
  checkSourceUnchanged,
  md5Base64,
  openSource,
  readExactly,
  sameIdentity,
  sourceHashMismatch,
} from './source-file.ts';

/** S3's smallest allowed part (except the last). */
const MIN_PART_SIZE = 5 * 1024 * 1024;

export interface S3DestinationSettings {
  partSize: number;
  multipartThreshold: number;
  partConcurrency: number;
  requestTimeoutMs: number;
  maxSockets: number;
  /** SDK attempts per request (default 3). */
  maxAttempts?: number;
}

function checkSettings(cfg: S3DestinationConfig & S3DestinationSettings): void {
  if (!cfg.bucket) {
    throw new Error('destination.bucket: required for an s3 destination (the bucket to upload into)');
  }
  if (!(cfg.partSize >= MIN_PART_SIZE)) {
    throw new Error(`upload.partSize: must be at least 5MiB (S3's smallest part), got ${cfg.partSize} bytes`);
  }
  for (const field of ['partConcurrency', 'maxSockets', 'requestTimeoutMs'] as const) {
    if (!(Number.isInteger(cfg[field]) && cfg[field] > 0)) {
      throw new Error(`upload.${field}: must be a positive whole number, got ${cfg[field]}`);
    }
  }
  if (cfg.objectLock && !(cfg.objectLock.days > 0)) {
    throw new Error(`destination.objectLock.days: must be more than 0, got ${cfg.objectLock.days}`);
  }
}

/** Progress from an earlier attempt still applies only to the same file going to a key we would pick. */
function resumeApplies(resume: MultipartProgress, source: UploadSource, baseKey: string): boolean {
  return sameIdentity(resume.source, source) && candidateKeys(baseKey).includes(resume.key);
}

export function createS3Destination(cfg: S3DestinationConfig & S3DestinationSettings): Destination {
  checkSettings(cfg);
  const client: S3Client = createS3Client(cfg, cfg);
  const target: S3Target = { client, bucket: cfg.bucket };
  const onConflict = cfg.onConflict ?? 'report';

  async function putSingle(source: UploadSource, key: string, options: UploadOptions): Promise<UploadResult> {
    const handle = await openSource(source);
    let body: Buffer;
    try {
      body = await readExactly(handle, source, 0, source.size);
    } finally {
      await handle.close();
    }
    await checkSourceUnchanged(source);
    const actual = createHash('sha256').update(body).digest('hex');
    if (actual !== source.sha256) throw sourceHashMismatch(source, actual);

    await options.throttle.take(body.length, options.signal);
    const attributes = objectAttributes(cfg, source);
    let put: PutObjectCommandOutput;
    try {
      put = await client.send(
        new PutObjectCommand({
          Bucket: cfg.bucket,
          Key: key,
          Body: body,
          ContentMD5: md5Base64(body),
          ContentLength: body.length,
          ...attributes,
        }),
        { abortSignal: options.signal },
      );
    } catch (err) {
      options.signal.throwIfAborted();
      throw classifyS3Error(err, `PutObject s3://${cfg.bucket}/${key}`);
    }
    options.onBytes?.(body.length);
    const head = await verifyStored(target, key, source, options.signal);
    await ensureRetention(target, key, head, attributes, options.signal);
    return {
      key,
      etag: head.ETag ?? put.ETag,
      versionId: head.VersionId ?? put.VersionId,
      alreadyPresent: false,
      bytesSent: body.length,
    };
  }

  async function putMultipart(
    source: UploadSource,
    key: string,
    options: UploadOptions,
    resume: MultipartProgress | undefined,
  ): Promise<UploadResult> {
    const attributes = objectAttributes(cfg, source);
    const outcome = await uploadMultipart({
      target,
      key,
      source,
      attributes,
      partSize: cfg.partSize,
      partConcurrency: cfg.partConcurrency,
      options,
      resume,
    });
    const head = await verifyStored(target, key, source, options.signal);
    await ensureRetention(target, key, head, attributes, options.signal);
    await options.saveProgress(undefined);
    return {
      key,
      etag: head.ETag,
      versionId: head.VersionId ?? outcome.versionId,
      alreadyPresent: false,
      bytesSent: outcome.bytesSent,
      partsSent: outcome.partsSent,
      partsReused: outcome.partsReused,
    };
  }

  /** Drops saved progress that no longer applies, aborting its upload so the store does not keep the parts. */
  async function discard(resume: MultipartProgress, options: UploadOptions): Promise<void> {
    await abortUpload(target, resume.key, resume.uploadId);
    await options.saveProgress(undefined);
  }

  async function upload(source: UploadSource, options: UploadOptions): Promise<UploadResult> {
    options.signal.throwIfAborted();
    await checkSourceUnchanged(source);
    const baseKey = joinKey(cfg.prefix, source.objectKey);
    let resume = options.resume;
    if (resume && !resumeApplies(resume, source, baseKey)) {
      await discard(resume, options);
      resume = undefined;
    }
    if (resume) {
      const state = await keyState(target, resume.key, source, options.signal);
      if (state === 'same') {
        // An earlier attempt completed but died before recording it.
        await options.saveProgress(undefined);
        return { key: resume.key, alreadyPresent: true, bytesSent: 0 };
      }
      if (state === 'absent' || state === 'damaged') return putMultipart(source, resume.key, options, resume);
      // Someone else wrote a different object there meanwhile: choose the key afresh.
      await discard(resume, options);
    }

    const resolved = await resolveTargetKey(baseKey, onConflict, (key) =>
      keyState(target, key, source, options.signal),
    );
    if (resolved.alreadyPresent) return { key: resolved.key, alreadyPresent: true, bytesSent: 0 };
    if (source.size > 0 && source.size >= cfg.multipartThreshold) {
      return putMultipart(source, resolved.key, options, undefined);
    }
    return putSingle(source, resolved.key, options);
  }

  async function probe(signal?: AbortSignal): Promise<void> {
    try {
      await client.send(new HeadBucketCommand({ Bucket: cfg.bucket }), { abortSignal: signal });
    } catch (err) {
      signal?.throwIfAborted();
      // HEAD answers carry no error code: a 404 here can only mean the bucket.
      if (isNotFound(err)) {
        const message = `bucket ${cfg.bucket} does not exist at ${describeEndpoint(cfg)}`;
        throw new UploadError('not_found', message, { cause: err });
      }
      if (isBodilessForbidden(err)) {
        throw await explainForbidden(target, normalizePrefix(cfg.prefix), err, signal);
      }
      throw classifyS3Error(err, `HeadBucket ${cfg.bucket}`);
    }
  }

  return {
    kind: 's3',
    label: describeEndpoint(cfg),
    isLocalDemo: false,
    probe,
    upload,
    abortOrphans: (tracked, olderThanMs) =>
      abortOrphanUploads(target, normalizePrefix(cfg.prefix), tracked, olderThanMs),
    async close() {
      client.destroy();
    },
  };
}
