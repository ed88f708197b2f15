import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  type ListPartsCommandOutput,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { CompletedPart, MultipartProgress, UploadOptions, UploadSource } from '../types.ts';
import { UploadError } from '../types.ts';
import { bufferBody } from './paced-body.ts';
import { classifyS3Error, isNoSuchUpload, isUnsupported } from './s3-errors.ts';
import { type ObjectAttributes, type S3Target, viaDirect } from './s3-object.ts';
import {
  checkSourceUnchanged,
  md5Base64,
  openSource,
  readExactly,
  sourceHashMismatch,
} from './source-file.ts';

/** S3 allows at most 10,000 parts per upload. */
const MAX_PARTS = 10_000;
const MIB = 1024 * 1024;

export interface MultipartRequest {
  target: S3Target;
  key: string;
  source: UploadSource;
  attributes: ObjectAttributes;
  partSize: number;
  partConcurrency: number;
  options: UploadOptions;
  /** Progress of an earlier attempt at this same key and file; its upload may since have vanished. */
  resume?: MultipartProgress;
}

export interface MultipartOutcome {
  versionId?: string;
  bytesSent: number;
  partsSent: number;
  partsReused: number;
}

/**
 * Over plain http the SDK hashes every part (sha256) to sign its body: a second pass over every
 * byte, on top of our MD5 and the file's sha256. The part's Content-MD5 is signed and checked by
 * the store, which proves the body as well; so sign the payload as UNSIGNED-PAYLOAD, as the SDK
 * itself does over https. (Only where the SDK sends parts: see s3-direct.ts.)
 */
function unsignedPayload(command: UploadPartCommand): UploadPartCommand {
  command.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'edgeCaptureUnsignedPartPayload' },
  );
  return command;
}

/** Thrown inside this module when the store no longer knows our upload: start a fresh one. */
class UploadVanished extends Error {}

/** The part size to use: the configured one, grown in whole MiB when the file would need more than 10,000 parts. */
export function effectivePartSize(fileSize: number, configured: number): number {
  if (Math.ceil(fileSize / configured) <= MAX_PARTS) return configured;
  return Math.ceil(fileSize / MAX_PARTS / MIB) * MIB;
}

/** A part the store is known to hold: from our saved progress, or from ListParts. */
interface KnownPart {
  etag: string;
  size: number;
  /** base64 MD5 of the part's content, when we know it. */
  md5?: string;
}

function md5FromEtag(etag: string): string | undefined {
  const hex = etag.replace(/"/g, '');
  return /^[0-9a-f]{32}$/i.test(hex) ? Buffer.from(hex, 'hex').toString('base64') : undefined;
}

export async function abortUpload(target: S3Target, key: string, uploadId: string): Promise<void> {
  try {
    await target.client.send(
      new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: key, UploadId: uploadId }),
    );
  } catch (err) {
    // Already gone, or a store that cannot abort (s3rver): nothing more we can do.
    if (isNoSuchUpload(err) || isUnsupported(err)) return;
    throw classifyS3Error(err, `AbortMultipartUpload s3://${target.bucket}/${key}`);
  }
}

/** What the store holds of this upload; undefined when the store cannot list parts (trust our records). */
async function listStoredParts(
  req: MultipartRequest,
  uploadId: string,
): Promise<Map<number, KnownPart> | undefined> {
  const { target, key, options } = req;
  const parts = new Map<number, KnownPart>();
  let marker: string | undefined;
  for (;;) {
    let page: ListPartsCommandOutput;
    try {
      page = await target.client.send(
        new ListPartsCommand({
          Bucket: target.bucket,
          Key: key,
          UploadId: uploadId,
          PartNumberMarker: marker,
        }),
        { abortSignal: options.signal },
      );
    } catch (err) {
      options.signal.throwIfAborted();
      if (isNoSuchUpload(err)) throw new UploadVanished();
      if (isUnsupported(err)) return undefined;
      throw classifyS3Error(err, `ListParts s3://${target.bucket}/${key}`);
    }
    for (const part of page.Parts ?? []) {
      if (part.PartNumber === undefined || part.ETag === undefined || part.Size === undefined) continue;
      parts.set(part.PartNumber, { etag: part.ETag, size: part.Size });
    }
    if (!page.IsTruncated || page.NextPartNumberMarker === undefined) return parts;
    marker = page.NextPartNumberMarker;
  }
}

/** Parts worth reusing: the store's list when it has one (with our MD5s where the ETag agrees), else our records. */
async function knownParts(
  req: MultipartRequest,
  progress: MultipartProgress,
): Promise<Map<number, KnownPart>> {
  const recorded = new Map(progress.parts.map((p) => [p.partNumber, p]));
  const stored = await listStoredParts(req, progress.uploadId);
  if (stored === undefined) {
    return new Map(progress.parts.map((p) => [p.partNumber, { etag: p.etag, size: p.size, md5: p.md5 }]));
  }
  const known = new Map<number, KnownPart>();
  for (const [partNumber, part] of stored) {
    const ours = recorded.get(partNumber);
    const md5 =
      ours && ours.etag.replace(/"/g, '') === part.etag.replace(/"/g, '') ? ours.md5 : md5FromEtag(part.etag);
    known.set(partNumber, { ...part, md5 });
  }
  return known;
}

async function createUpload(req: MultipartRequest): Promise<MultipartProgress> {
  const { target, key, source, options } = req;
  let uploadId: string | undefined;
  try {
    ({ UploadId: uploadId } = await target.client.send(
      new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: key, ...req.attributes }),
      { abortSignal: options.signal },
    ));
  } catch (err) {
    options.signal.throwIfAborted();
    throw classifyS3Error(err, `CreateMultipartUpload s3://${target.bucket}/${key}`);
  }
  if (!uploadId) {
    throw new UploadError(
      'server',
      `CreateMultipartUpload s3://${target.bucket}/${key} returned no UploadId`,
    );
  }
  const progress: MultipartProgress = {
    uploadId,
    key,
    partSize: effectivePartSize(source.size, req.partSize),
    source: { size: source.size, mtimeMs: source.mtimeMs, sha256: source.sha256 },
    parts: [],
    startedAt: Date.now(),
  };
  // Saved before any part: a crash now still leaves an upload we can find and resume or abort.
  await options.saveProgress(progress);
  return progress;
}

/** Sends the parts the store lacks, reading the file once in order so its sha256 is checked before completing. */
async function sendParts(
  req: MultipartRequest,
  progress: MultipartProgress,
  known: Map<number, KnownPart>,
): Promise<{
  parts: CompletedPart[];
  counts: { bytesSent: number; partsSent: number; partsReused: number };
}> {
  const { target, key, source, options } = req;
  const partCount = Math.ceil(source.size / progress.partSize);
  const completed = new Map<number, CompletedPart>();
  for (const [partNumber, part] of known) {
    if (part.md5 !== undefined) {
      completed.set(partNumber, { partNumber, etag: part.etag, md5: part.md5, size: part.size });
    }
  }
  const counts = { bytesSent: 0, partsSent: 0, partsReused: 0 };
  // Saves run one after another, each with every part done so far.
  let saving: Promise<void> = Promise.resolve();
  const sortedParts = () => [...completed.values()].sort((a, b) => a.partNumber - b.partNumber);
  const saveCompleted = () => {
    const snapshot = { ...progress, parts: sortedParts() };
    saving = saving.then(() => options.saveProgress(snapshot));
    return saving;
  };

  // Part buffers are reused once their part is stored: a fresh 16 MiB buffer per part leaves
  // the garbage collector hundreds of MiB of dead ones to find, and RSS grows meanwhile.
  const spare: Buffer[] = [];
  const partBuffer = () => spare.pop() ?? Buffer.allocUnsafe(progress.partSize);

  const pacing = { throttle: options.throttle, signal: options.signal, onBytes: options.onBytes };
  const sendOne = async (partNumber: number, body: Buffer, md5: string) => {
    const paced = bufferBody(body, pacing);
    const uploadId = progress.uploadId;
    let etag: string | undefined;
    try {
      ({ ETag: etag } = await viaDirect(
        target,
        (direct) =>
          direct.uploadPart({ key, uploadId, partNumber, body: paced, contentMd5: md5 }, options.signal),
        () =>
          target.client.send(
            unsignedPayload(
              new UploadPartCommand({
                Bucket: target.bucket,
                Key: key,
                UploadId: uploadId,
                PartNumber: partNumber,
                Body: paced.open(),
                ContentMD5: md5,
                ContentLength: body.length,
              }),
            ),
            { abortSignal: options.signal },
          ),
      ));
    } catch (err) {
      options.signal.throwIfAborted();
      if (isNoSuchUpload(err)) throw new UploadVanished();
      throw classifyS3Error(err, `UploadPart ${partNumber} s3://${target.bucket}/${key}`);
    }
    if (!etag) {
      throw new UploadError(
        'server',
        `UploadPart ${partNumber} s3://${target.bucket}/${key} returned no ETag`,
      );
    }
    completed.set(partNumber, { partNumber, etag, md5, size: body.length });
    counts.bytesSent += body.length;
    counts.partsSent += 1;
    await saveCompleted();
  };
  /** Sends a part read into `buffer`, which is free again once the part is stored (not after a failure: the request may still hold it). */
  const sendFrom = async (buffer: Buffer, partNumber: number, body: Buffer, md5: string) => {
    await sendOne(partNumber, body, md5);
    spare.push(buffer);
  };

  const hash = createHash('sha256');
  const handle = await openSource(source);
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  try {
    for (let partNumber = 1; partNumber <= partCount && !failure; partNumber += 1) {
      options.signal.throwIfAborted();
      const offset = (partNumber - 1) * progress.partSize;
      const buffer = partBuffer();
      const body = await readExactly(
        handle,
        source,
        offset,
        Math.min(progress.partSize, source.size - offset),
        buffer,
      );
      hash.update(body);
      const md5 = md5Base64(body);
      const stored = completed.get(partNumber);
      if (stored && stored.size === body.length && stored.md5 === md5) {
        counts.partsReused += 1;
        spare.push(buffer);
        continue;
      }
      completed.delete(partNumber);
      while (inFlight.size >= req.partConcurrency && !failure) await Promise.race(inFlight);
      if (failure) break;
      const task: Promise<void> = sendFrom(buffer, partNumber, body, md5)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
  } catch (error) {
    failure ??= { error };
  } finally {
    await Promise.all(inFlight);
    await saving.catch(() => {});
    await handle.close();
  }
  if (options.signal.aborted) throw options.signal.reason;
  if (failure) throw failure.error;
  await saving;

  await checkSourceUnchanged(source).catch((err) => abandon(req, progress, err));
  const actual = hash.digest('hex');
  if (actual !== source.sha256) await abandon(req, progress, sourceHashMismatch(source, actual));
  if (completed.size !== partCount) {
    throw new UploadError(
      'server',
      `only ${completed.size} of ${partCount} parts of s3://${target.bucket}/${key} are stored`,
    );
  }
  return { parts: sortedParts(), counts };
}

/**
 * The file changed while its parts were read: what the store holds is not the inspected file, so
 * the upload is aborted (its parts would only cost storage) and its progress forgotten.
 */
async function abandon(req: MultipartRequest, progress: MultipartProgress, reason: unknown): Promise<never> {
  await abortUpload(req.target, req.key, progress.uploadId).catch(() => {});
  await req.options.saveProgress(undefined);
  throw reason;
}

async function completeUpload(
  req: MultipartRequest,
  progress: MultipartProgress,
): Promise<string | undefined> {
  const { target, key, options } = req;
  const parts = [...progress.parts].sort((a, b) => a.partNumber - b.partNumber);
  try {
    const out = await target.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: target.bucket,
        Key: key,
        UploadId: progress.uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
      }),
      { abortSignal: options.signal },
    );
    // Not trusted for integrity (RGW 16.2 returns an empty ETag): the caller HEADs the object.
    return out.VersionId;
  } catch (err) {
    options.signal.throwIfAborted();
    if (isNoSuchUpload(err)) throw new UploadVanished();
    throw classifyS3Error(err, `CompleteMultipartUpload s3://${target.bucket}/${key}`);
  }
}

async function attempt(
  req: MultipartRequest,
  resume: MultipartProgress | undefined,
): Promise<MultipartOutcome> {
  const progress = resume ? { ...resume, parts: [...resume.parts] } : await createUpload(req);
  const known = resume ? await knownParts(req, progress) : new Map<number, KnownPart>();
  const { parts, counts } = await sendParts(req, progress, known);
  const versionId = await completeUpload(req, { ...progress, parts });
  return { versionId, ...counts };
}

/**
 * Uploads a file in parts, resuming `req.resume` when the store still has it.
 * After every part the progress is saved, so a killed process resumes where it stopped.
 */
export async function uploadMultipart(req: MultipartRequest): Promise<MultipartOutcome> {
  try {
    return await attempt(req, req.resume);
  } catch (err) {
    if (!(err instanceof UploadVanished)) throw err;
    // The store dropped the upload (aborted, expired by a lifecycle rule): start over with a fresh one.
    await req.options.saveProgress(undefined);
    if (!req.resume) {
      throw new UploadError(
        'server',
        `the store dropped our multipart upload of s3://${req.target.bucket}/${req.key}; retrying`,
      );
    }
    try {
      return await attempt(req, undefined);
    } catch (retryErr) {
      if (retryErr instanceof UploadVanished) {
        throw new UploadError(
          'server',
          `the store dropped our multipart upload of s3://${req.target.bucket}/${req.key}; retrying`,
        );
      }
      throw retryErr;
    }
  }
}
