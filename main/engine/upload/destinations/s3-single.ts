import { createHash } from 'node:crypto';
import { PutObjectCommand, type PutObjectCommandOutput } from '@aws-sdk/client-s3';
import type { S3DestinationConfig } from '../../../../shared/upload-config.ts';
import type { UploadOptions, UploadResult, UploadSource } from '../types.ts';
import { resolveTargetKey } from './object-keys.ts';
import { classifyS3Error, httpStatusOf } from './s3-errors.ts';
import {
  ensureRetention,
  keyState,
  type ObjectAttributes,
  objectAttributes,
  type S3Target,
  verifyStored,
  viaDirect,
} from './s3-object.ts';

/**
 * Single-PUT bodies up to this size may skip the HEAD before the PUT (see below): when the key
 * turns out to be taken, the refused body cost little.
 */
const CONDITIONAL_PUT_MAX = 1024 * 1024;
/** Small uploads (HEAD first) before we learn the store's ways: not worth a request for a handful. */
export const LEARN_CONDITIONAL_PUT_AFTER = 64;

/** Whether an ETag (`"hex"`) is this MD5 digest. */
function etagIsMd5(etag: string | undefined, md5: Buffer): boolean {
  return etag !== undefined && etag.replace(/"/g, '').toLowerCase() === md5.toString('hex');
}

export interface SinglePuts {
  /** Uploads a checked body (readVerifiedSource) to `key`, or to where it may go; see createSinglePuts. */
  upload(
    source: UploadSource,
    baseKey: string,
    onConflict: 'report' | 'suffix',
    options: UploadOptions,
    body: Buffer,
  ): Promise<UploadResult>;
}

/**
 * Single PUTs. Normally HEAD (is the key free, or does it hold this file already?) then PUT.
 * A store that honours `If-None-Match: *` on PUT refuses to overwrite, which answers the same
 * question in the same request: small files then go up with one request, and the HEAD is asked
 * only when the PUT was refused. Whether the store honours it is learnt, not assumed (s3rver,
 * for one, ignores it): once `learnAfter` small files went up, the last one is PUT again, the
 * very same object, under the condition. A store that honours it refuses (412); one that does not
 * rewrites the identical object (an extra identical version where versioning is on) and keeps
 * HEAD-then-PUT. (A wrong Content-MD5 would spare that rewrite, but RGW checks it first.)
 */
export function createSinglePuts(
  cfg: S3DestinationConfig,
  target: S3Target,
  learnAfter = LEARN_CONDITIONAL_PUT_AFTER,
): SinglePuts {
  let conditional: 'unknown' | 'learning' | 'honoured' | 'ignored' = 'unknown';
  let smallUploads = 0;

  const put = async (source: UploadSource, key: string, options: UploadOptions, body: Buffer) =>
    (await send(source, key, options, body, false)) as UploadResult;
  /** Resolves undefined when the store refused the PUT because the key is taken. */
  const putIfAbsent = (source: UploadSource, key: string, options: UploadOptions, body: Buffer) =>
    send(source, key, options, body, true);

  async function send(
    source: UploadSource,
    key: string,
    options: UploadOptions,
    body: Buffer,
    ifAbsent: boolean,
  ): Promise<UploadResult | undefined> {
    await options.throttle.take(body.length, options.signal);
    const attributes = objectAttributes(cfg, source);
    const md5 = createHash('md5').update(body).digest();
    let stored: Pick<PutObjectCommandOutput, 'ETag' | 'VersionId'> | undefined;
    try {
      stored = await viaDirect(
        target,
        // body is the whole file, checked against source.sha256: that is the payload hash to sign.
        (direct) =>
          direct.put(
            { key, body, sha256: source.sha256, contentMd5: md5.toString('base64'), attributes, ifAbsent },
            options.signal,
          ),
        () =>
          target.client.send(
            new PutObjectCommand({
              Bucket: target.bucket,
              Key: key,
              Body: body,
              ContentMD5: md5.toString('base64'),
              ContentLength: body.length,
              ...(ifAbsent ? { IfNoneMatch: '*' } : {}),
              ...attributes,
            }),
            { abortSignal: options.signal },
          ),
      );
    } catch (err) {
      options.signal.throwIfAborted();
      if (ifAbsent && httpStatusOf(err) === 412) return undefined;
      throw classifyS3Error(err, `PutObject s3://${target.bucket}/${key}`);
    }
    options.onBytes?.(body.length);
    if (stored === undefined) return undefined;
    return confirm(source, key, options, body, md5, attributes, stored);
  }

  /**
   * The store checked our Content-MD5 (a mismatch is refused with BadDigest), and an ETag equal
   * to that MD5 says it stored exactly these bytes, with the metadata of the same request: no
   * HEAD needed. Another ETag (SSE-KMS, some clones) or an Object Lock to confirm: read it back.
   */
  async function confirm(
    source: UploadSource,
    key: string,
    options: UploadOptions,
    body: Buffer,
    md5: Buffer,
    attributes: ObjectAttributes,
    stored: Pick<PutObjectCommandOutput, 'ETag' | 'VersionId'>,
  ): Promise<UploadResult> {
    const result = { key, alreadyPresent: false, bytesSent: body.length };
    if (attributes.ObjectLockMode === undefined && etagIsMd5(stored.ETag, md5)) {
      return { ...result, etag: stored.ETag, versionId: stored.VersionId };
    }
    const head = await verifyStored(target, key, source, options.signal);
    await ensureRetention(target, key, head, attributes, options.signal);
    return { ...result, etag: head.ETag ?? stored.ETag, versionId: head.VersionId ?? stored.VersionId };
  }

  /** PUTs the object we just stored once more, under the condition: a refusal proves it is honoured. */
  async function learn(source: UploadSource, key: string, options: UploadOptions, body: Buffer) {
    conditional = 'learning';
    try {
      const again = await putIfAbsent(source, key, options, body);
      conditional = again === undefined ? 'honoured' : 'ignored';
    } catch {
      // Stopped midway: ask again another time. Refused for another reason: stay with HEAD first.
      conditional = options.signal.aborted ? 'unknown' : 'ignored';
      options.signal.throwIfAborted();
    }
  }

  return {
    async upload(source, baseKey, onConflict, options, body) {
      const small = body.length <= CONDITIONAL_PUT_MAX && !cfg.objectLock;
      if (small && conditional === 'honoured') {
        let stored: UploadResult | undefined;
        const resolved = await resolveTargetKey(baseKey, onConflict, async (key) => {
          stored = await putIfAbsent(source, key, options, body);
          // Refused: something is there. HEAD tells whether it is this file, a cut copy, or another.
          return stored ? 'absent' : keyState(target, key, source, options.signal);
        });
        if (resolved.alreadyPresent) return { key: resolved.key, alreadyPresent: true, bytesSent: 0 };
        // Not stored yet: a damaged copy of ours to replace, or the object went away meanwhile.
        return stored ?? (await put(source, resolved.key, options, body));
      }
      const resolved = await resolveTargetKey(baseKey, onConflict, (key) =>
        keyState(target, key, source, options.signal),
      );
      if (resolved.alreadyPresent) return { key: resolved.key, alreadyPresent: true, bytesSent: 0 };
      const result = await put(source, resolved.key, options, body);
      if (small) smallUploads += 1;
      if (small && conditional === 'unknown' && smallUploads >= learnAfter) {
        await learn(source, resolved.key, options, body);
      }
      return result;
    },
  };
}
