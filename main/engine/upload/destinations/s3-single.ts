import { createHash, randomUUID } from 'node:crypto';
import { DeleteObjectCommand, PutObjectCommand, type PutObjectCommandOutput } from '@aws-sdk/client-s3';
import type { S3DestinationConfig } from '../../../../shared/upload-config.ts';
import type { UploadOptions, UploadResult, UploadSource } from '../types.ts';
import { UploadError } from '../types.ts';
import { joinKey, type KeyState, resolveTargetKey } from './object-keys.ts';
import { bufferBody, fileBody, type RequestBody } from './paced-body.ts';
import { EMPTY_SHA256 } from './s3-answers.ts';
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
import { type CheckedBody, checkSourceUnchanged } from './source-file.ts';

/**
 * Single-PUT bodies up to this size may skip the HEAD before the PUT (see below): when the key
 * turns out to be taken, the refused body cost little.
 */
const CONDITIONAL_PUT_MAX = 1024 * 1024;
/** Small uploads (HEAD first) before we learn the store's ways: not worth a request for a handful. */
export const LEARN_CONDITIONAL_PUT_AFTER = 64;
/** Under the destination prefix: keys of this engine's own, never a captured file's. */
export const PROBE_FOLDER = '.edge-capture/';
/** A key taken between our HEAD and our PUT this many times in a row: give up for now. */
const MAX_RACES = 3;

/** Whether an ETag (`"hex"`) is this MD5 digest. */
function etagIsMd5(etag: string | undefined, md5: Buffer): boolean {
  return etag !== undefined && etag.replace(/"/g, '').toLowerCase() === md5.toString('hex');
}

export interface SinglePuts {
  /** Uploads a checked body (checkedSingleBody) to `key`, or to where it may go; see createSinglePuts. */
  upload(
    source: UploadSource,
    baseKey: string,
    onConflict: 'report' | 'suffix',
    options: UploadOptions,
    body: CheckedBody,
  ): Promise<UploadResult>;
}

interface PutRequest {
  key: string;
  body: RequestBody;
  md5: Buffer;
  sha256: string;
  attributes: ObjectAttributes;
  ifAbsent: boolean;
}

/**
 * Single PUTs. Never without a condition onto a key that may be someone else's: HEAD (is the key
 * free, or does it hold this file already?), then PUT with `If-None-Match: *`, so a writer that
 * took the key in between is not overwritten (a store that honours it refuses, and we look
 * again). Only a cut copy of our own file (our sha256, wrong size) is replaced unconditionally.
 * Where the store honours the condition, it answers the HEAD's question in the same request:
 * small files then go up with one request, and the HEAD is asked only when the PUT was refused.
 * Whether it does is learnt, not assumed (s3rver, for one, ignores it), on a probe key of our
 * own under PROBE_FOLDER: PUT, then PUT again under the condition (412: honoured), then DELETE.
 */
export function createSinglePuts(
  cfg: S3DestinationConfig,
  target: S3Target,
  learnAfter = LEARN_CONDITIONAL_PUT_AFTER,
): SinglePuts {
  let conditional: 'unknown' | 'learning' | 'honoured' | 'ignored' = 'unknown';
  let smallUploads = 0;

  /** Resolves undefined when the store refused the conditional PUT because the key is taken. */
  async function putObject(
    request: PutRequest,
    signal: AbortSignal,
  ): Promise<Pick<PutObjectCommandOutput, 'ETag' | 'VersionId'> | undefined> {
    const { key, body, attributes, ifAbsent } = request;
    const contentMd5 = request.md5.toString('base64');
    try {
      return await viaDirect(
        target,
        (direct) =>
          direct.put({ key, body, sha256: request.sha256, contentMd5, attributes, ifAbsent }, signal),
        () =>
          target.client.send(
            new PutObjectCommand({
              Bucket: target.bucket,
              Key: key,
              Body: body.open(),
              ContentMD5: contentMd5,
              ContentLength: body.length,
              ...(ifAbsent ? { IfNoneMatch: '*' } : {}),
              ...attributes,
            }),
            { abortSignal: signal },
          ),
      );
    } catch (err) {
      signal.throwIfAborted();
      if (ifAbsent && httpStatusOf(err) === 412) return undefined;
      throw err;
    }
  }

  async function send(
    source: UploadSource,
    key: string,
    options: UploadOptions,
    checked: CheckedBody,
    ifAbsent: boolean,
  ): Promise<UploadResult | undefined> {
    const attributes = objectAttributes(cfg, source);
    const pacing = { throttle: options.throttle, signal: options.signal, onBytes: options.onBytes };
    const body = checked.data
      ? bufferBody(checked.data, pacing)
      : fileBody(source.absPath, source.size, pacing);
    let stored: Pick<PutObjectCommandOutput, 'ETag' | 'VersionId'> | undefined;
    try {
      // The body was checked against source.sha256: that is the payload hash to sign.
      const request = { key, body, md5: checked.md5, sha256: source.sha256, attributes, ifAbsent };
      stored = await putObject(request, options.signal);
    } catch (err) {
      options.signal.throwIfAborted();
      // Sent from the file: a refused digest or a short body most likely means the file changed.
      if (!checked.data) await checkSourceUnchanged(source);
      throw classifyS3Error(err, `PutObject s3://${target.bucket}/${key}`);
    }
    if (stored === undefined) return undefined;
    return confirm(source, key, options, checked.md5, attributes, stored);
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
    md5: Buffer,
    attributes: ObjectAttributes,
    stored: Pick<PutObjectCommandOutput, 'ETag' | 'VersionId'>,
  ): Promise<UploadResult> {
    const result = { key, alreadyPresent: false, bytesSent: source.size };
    if (attributes.ObjectLockMode === undefined && etagIsMd5(stored.ETag, md5)) {
      return { ...result, etag: stored.ETag, versionId: stored.VersionId };
    }
    const head = await verifyStored(target, key, source, options.signal);
    await ensureRetention(target, key, head, attributes, options.signal);
    return { ...result, etag: head.ETag ?? stored.ETag, versionId: head.VersionId ?? stored.VersionId };
  }

  /** Whether the store refuses a conditional PUT onto a key that exists, asked on a key of our own. */
  async function learn(signal: AbortSignal): Promise<void> {
    conditional = 'learning';
    const key = joinKey(cfg.prefix, `${PROBE_FOLDER}if-none-match-probe-${randomUUID()}`);
    const empty = Buffer.alloc(0);
    const noPacing = { throttle: { take: async () => {} }, signal };
    const request = {
      key,
      body: bufferBody(empty, noPacing),
      md5: createHash('md5').update(empty).digest(),
      sha256: EMPTY_SHA256,
      attributes: { ContentType: 'application/octet-stream', Metadata: {} },
      ifAbsent: true,
    };
    try {
      if ((await putObject(request, signal)) === undefined) throw new Error(`probe key ${key} was taken`);
      conditional = (await putObject(request, signal)) === undefined ? 'honoured' : 'ignored';
    } catch {
      // Stopped midway: ask again another time. Refused for another reason: stay with HEAD first.
      conditional = signal.aborted ? 'unknown' : 'ignored';
    }
    try {
      await target.client.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: key }));
    } catch {
      // No s3:DeleteObject: an empty object under PROBE_FOLDER stays behind, harmless.
    }
    signal.throwIfAborted();
  }

  /** HEAD first, then a conditional PUT; a key taken in between is looked at again. */
  async function headThenPut(
    source: UploadSource,
    baseKey: string,
    onConflict: 'report' | 'suffix',
    options: UploadOptions,
    checked: CheckedBody,
  ): Promise<UploadResult> {
    for (let race = 0; ; race += 1) {
      const states = new Map<string, KeyState>();
      const resolved = await resolveTargetKey(baseKey, onConflict, async (key) => {
        const state = await keyState(target, key, source, options.signal);
        states.set(key, state);
        return state;
      });
      if (resolved.alreadyPresent) return { key: resolved.key, alreadyPresent: true, bytesSent: 0 };
      // A cut copy of this very file (our sha256 on it) is ours to replace; a free key may not stay free.
      const ifAbsent = states.get(resolved.key) === 'absent';
      const result = await send(source, resolved.key, options, checked, ifAbsent);
      if (result) return result;
      if (race + 1 >= MAX_RACES) {
        throw new UploadError(
          'server',
          `s3://${target.bucket}/${resolved.key} keeps being taken as we write it; retrying later`,
        );
      }
    }
  }

  return {
    async upload(source, baseKey, onConflict, options, checked) {
      const small = source.size <= CONDITIONAL_PUT_MAX && !cfg.objectLock;
      if (small && conditional === 'honoured') {
        let stored: UploadResult | undefined;
        const resolved = await resolveTargetKey(baseKey, onConflict, async (key) => {
          stored = await send(source, key, options, checked, true);
          // Refused: something is there. HEAD tells whether it is this file, a cut copy, or another.
          return stored ? 'absent' : keyState(target, key, source, options.signal);
        });
        if (resolved.alreadyPresent) return { key: resolved.key, alreadyPresent: true, bytesSent: 0 };
        if (stored) return stored;
        // A damaged copy of ours to replace, or the object went away meanwhile: look again.
        return headThenPut(source, baseKey, onConflict, options, checked);
      }
      const result = await headThenPut(source, baseKey, onConflict, options, checked);
      if (small) smallUploads += 1;
      if (small && conditional === 'unknown' && smallUploads >= learnAfter) await learn(options.signal);
      return result;
    },
  };
}
