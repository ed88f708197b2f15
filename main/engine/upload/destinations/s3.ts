import { HeadBucketCommand } from '@aws-sdk/client-s3';
import type { S3DestinationConfig } from '../../../../shared/upload-config.ts';
import type { StoredKeysSource } from '../../credentials/provider.ts';
import type { Destination, MultipartProgress, UploadOptions, UploadResult, UploadSource } from '../types.ts';
import { UploadError } from '../types.ts';
import { candidateKeys, joinKey, normalizePrefix, resolveTargetKey } from './object-keys.ts';
import { createDirectS3 } from './s3-direct.ts';
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
import { createSinglePuts } from './s3-single.ts';
import { createS3Transport, describeEndpoint } from './s3-transport.ts';
import { checkedSingleBody, checkSourceUnchanged, sameIdentity } from './source-file.ts';

/** S3's smallest allowed part (except the last). */
const MIN_PART_SIZE = 5 * 1024 * 1024;
/** S3's largest single PUT: files this big or bigger must go in parts. */
export const MAX_MULTIPART_THRESHOLD = 5 * 1024 ** 3;

export interface S3DestinationSettings {
  partSize: number;
  multipartThreshold: number;
  partConcurrency: number;
  requestTimeoutMs: number;
  maxSockets: number;
  /** SDK attempts per request (default 3). */
  maxAttempts?: number;
  /** Small single PUTs before we learn whether the store honours If-None-Match (see s3-single.ts). */
  learnConditionalPutAfter?: number;
  /** Keys stored for this destination, used when the config gives none (see s3-transport.ts). */
  storedKeys?: StoredKeysSource;
}

function checkSettings(cfg: S3DestinationConfig & S3DestinationSettings): void {
  if (!cfg.bucket) {
    throw new Error('destination.bucket: required for an s3 destination (the bucket to upload into)');
  }
  if (!(cfg.partSize >= MIN_PART_SIZE)) {
    throw new Error(`upload.partSize: must be at least 5MiB (S3's smallest part), got ${cfg.partSize} bytes`);
  }
  if (!(cfg.multipartThreshold >= 0 && cfg.multipartThreshold <= MAX_MULTIPART_THRESHOLD)) {
    throw new Error(
      `upload.multipartThreshold: must be at most 5GiB (S3's largest single PUT), got ${cfg.multipartThreshold} bytes`,
    );
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
  const { client, handler } = createS3Transport(cfg, cfg);
  const direct = createDirectS3(
    client,
    { bucket: cfg.bucket, endpoint: cfg.endpoint, handler },
    { maxAttempts: cfg.maxAttempts ?? 3 },
  );
  const target: S3Target = { client, bucket: cfg.bucket, direct };
  const onConflict = cfg.onConflict ?? 'report';
  const singlePuts = createSinglePuts(cfg, target, cfg.learnConditionalPutAfter);

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
    const multipart = source.size > 0 && source.size >= cfg.multipartThreshold;
    // A single PUT's body is checked first (size, mtime, sha256, and its MD5 for Content-MD5)
    // before the store is asked anything; a small one is read once, into memory.
    const body = multipart || options.resume ? undefined : await checkedSingleBody(source);
    if (!body) await checkSourceUnchanged(source);
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

    if (!multipart) {
      try {
        return await singlePuts.upload(
          source,
          baseKey,
          onConflict,
          options,
          body ?? (await checkedSingleBody(source)),
        );
      } catch (err) {
        throw await explainCutOff(err, options.signal);
      }
    }
    const resolved = await resolveTargetKey(baseKey, onConflict, (key) =>
      keyState(target, key, source, options.signal),
    );
    if (resolved.alreadyPresent) return { key: resolved.key, alreadyPresent: true, bytesSent: 0 };
    return putMultipart(source, resolved.key, options, undefined);
  }

  /**
   * A store that refuses a PUT may answer before it reads the body and close the connection: when the
   * answer comes later than the SDK waits for "100 Continue" (1 s, e.g. a busy RGW), the body is already
   * being sent and Node reports EPIPE or ECONNRESET instead of the answer. Ask the bucket once before
   * calling that "offline": a bucket that is gone (or keys refused) is a problem for a person, not a
   * wait for the network.
   */
  async function explainCutOff(err: unknown, signal: AbortSignal): Promise<unknown> {
    if (!(err instanceof UploadError) || err.kind !== 'offline') return err;
    if (!causedBy(err, ['EPIPE', 'ECONNRESET'])) return err;
    try {
      await probe(signal);
    } catch (answer) {
      if (answer instanceof UploadError && answer.kind !== 'offline') return answer;
    }
    return err;
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
      throw classifyS3Error(err, `HeadBucket ${cfg.bucket}`, cfg.endpoint);
    }
  }

  return {
    kind: 's3',
    label: describeEndpoint(cfg),
    isLocalDemo: false,
    probe,
    upload,
    abortOrphans: (leftovers) => abortOrphanUploads(target, leftovers),
    async close() {
      client.destroy();
    },
  };
}

/** Whether a Node error code from the list is somewhere down the error's causes. */
function causedBy(err: unknown, codes: readonly string[]): boolean {
  let at: unknown = err;
  for (let depth = 0; depth < 5 && typeof at === 'object' && at !== null; depth++) {
    const code = (at as { code?: unknown }).code;
    if (typeof code === 'string' && codes.includes(code)) return true;
    at = (at as { cause?: unknown }).cause;
  }
  return false;
}
