import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { open } from 'node:fs/promises';
import { SidecarPattern } from '../inspect/sidecar.ts';
import type { FileRecord, SidecarCopy } from '../queue/types.ts';
import { candidateKeys } from './destinations/object-keys.ts';
import { sidecarMetadata } from './metadata.ts';
import {
  type Destination,
  UploadError,
  type UploadOptions,
  type UploadResult,
  type UploadSource,
} from './types.ts';

/**
 * A capture's prediction sidecar (frame.pred.json) travels with it: uploaded right after it, to
 * the capture's key plus the sidecar's suffix (site/cam/frame.jpg → site/cam/frame.jpg.pred.json),
 * through the same destination code, so the same checks apply (sha256 of what was read, Content-MD5,
 * read-back). The boxes and scores a training pipeline needs then reach the core whole, not only
 * the summary in the capture's metadata.
 */

/** Where a capture's sidecar would be, and the key suffix it is uploaded with. */
export interface SidecarPlace {
  absPath: string;
  /** Relative to the capture folder, `/`-separated. */
  relPath: string;
  suffix: string;
}

export type SidecarLocator = (record: FileRecord) => SidecarPlace | undefined;

/** What came of the sidecar: the copy to record with the capture, and/or a note for its history. */
export interface SidecarUpload {
  copy?: SidecarCopy;
  /** Half a sentence appended to the capture's history line. */
  note: string;
}

/**
 * Sidecars larger than this are not uploaded (they stay beside the capture and the history says
 * so): inspection reads no more of a sidecar either, and each is held in memory while it is sent.
 */
export const MAX_SIDECAR_UPLOAD_BYTES = 1024 * 1024;
const READ_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

/** The locator for a sidecar pattern such as "{stem}.pred.json". */
export function sidecarLocator(pattern: string): SidecarLocator {
  const sidecars = new SidecarPattern(pattern);
  const suffix = sidecarKeySuffix(pattern);
  return (record) => ({
    absPath: sidecars.pathFor(record.absPath),
    relPath: sidecars.relPathFor(record.relPath),
    suffix,
  });
}

/** "{stem}.pred.json" → ".pred.json", "preds/{name}.json" → ".json": the sidecar's name without its capture's. */
export function sidecarKeySuffix(pattern: string): string {
  const name = pattern.replaceAll('\\', '/').split('/').at(-1) ?? '';
  const suffix = name.replaceAll('{stem}', '').replaceAll('{name}', '');
  return suffix === '' || suffix.includes('/') ? '.sidecar' : suffix;
}

/**
 * The capture's key without the destination's prefix (what a rule's template made, possibly with
 * a conflict suffix), so the sidecar key goes through the same prefixing.
 */
export function keyWithoutPrefix(storedKey: string, templateKey: string): string {
  for (const key of candidateKeys(templateKey.replace(/^\/+/, ''))) {
    const prefix = storedKey.slice(0, storedKey.length - key.length);
    if (storedKey.endsWith(key) && (prefix === '' || prefix.endsWith('/'))) return key;
  }
  return templateKey;
}

interface CaptureUpload {
  record: FileRecord;
  source: UploadSource;
  result: UploadResult;
  options: Pick<UploadOptions, 'signal' | 'throttle' | 'onBytes'>;
}

/**
 * Uploads the capture's sidecar, if it has one, after the capture itself. A missing sidecar is
 * normal; one that is not a plain file, too large or unreadable stays local and is noted, so an
 * odd sidecar never costs the capture its upload. Store trouble throws, and the whole upload is
 * retried (the capture is then found already present).
 */
export async function uploadSidecarBeside(
  destination: Destination,
  locate: SidecarLocator,
  capture: CaptureUpload,
): Promise<SidecarUpload | undefined> {
  const place = locate(capture.record);
  if (!place) return undefined;
  const read = await readSidecarFile(place);
  if (read.kind === 'none') return read.note ? { note: read.note } : undefined;
  const objectKey = `${keyWithoutPrefix(capture.result.key, capture.source.objectKey)}${place.suffix}`;
  const source: UploadSource = {
    fileId: capture.record.id,
    absPath: place.absPath,
    size: read.size,
    mtimeMs: read.mtimeMs,
    sha256: read.sha256,
    contentType: place.relPath.toLowerCase().endsWith('.json')
      ? 'application/json'
      : 'application/octet-stream',
    objectKey,
    metadata: sidecarMetadata(capture.source.metadata, read.sha256, capture.result.key),
    tags: capture.source.tags,
  };
  let stored: UploadResult;
  try {
    // Small and read just now: no multipart progress worth keeping.
    stored = await destination.upload(source, { ...capture.options, saveProgress: () => undefined });
  } catch (error) {
    if (!(error instanceof UploadError)) throw error;
    if (error.kind === 'source_vanished' || error.kind === 'source_unreadable') {
      return { note: `; its sidecar ${place.relPath} was not uploaded (${error.message})` };
    }
    throw new UploadError(error.kind, `sidecar ${place.relPath}: ${error.message}`, {
      cause: error,
      retryAfterMs: error.retryAfterMs,
    });
  }
  const copy: SidecarCopy = {
    relPath: place.relPath,
    absPath: place.absPath,
    size: read.size,
    mtimeMs: Math.floor(read.mtimeMs),
    sha256: read.sha256,
    key: stored.key,
  };
  return {
    copy,
    note: `; sidecar ${place.relPath} as ${stored.key}${stored.alreadyPresent ? ' (already present)' : ''}`,
  };
}

type SidecarRead =
  | { kind: 'read'; size: number; mtimeMs: number; sha256: string }
  | { kind: 'none'; note?: string };

/** Reads the sidecar without following a link at its name; kind `none` when there is none (or it is refused). */
async function readSidecarFile(place: SidecarPlace): Promise<SidecarRead> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(place.absPath, READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'none' };
    const why = code === 'ELOOP' ? 'it is a symbolic link' : `it cannot be read (${code ?? String(error)})`;
    return { kind: 'none', note: `; its sidecar ${place.relPath} was not uploaded: ${why}` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile())
      return {
        kind: 'none',
        note: `; its sidecar ${place.relPath} was not uploaded: it is not a regular file`,
      };
    if (info.size > MAX_SIDECAR_UPLOAD_BYTES) {
      return {
        kind: 'none',
        note: `; its sidecar ${place.relPath} was not uploaded: ${Math.ceil(info.size / 1024)} KiB is above the ${MAX_SIDECAR_UPLOAD_BYTES / 1024 ** 2} MiB a sidecar may have`,
      };
    }
    const bytes = await handle.readFile();
    if (bytes.length !== info.size) {
      return {
        kind: 'none',
        note: `; its sidecar ${place.relPath} was not uploaded: it changed while it was read`,
      };
    }
    return {
      kind: 'read',
      size: info.size,
      mtimeMs: info.mtimeMs,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
  } catch (error) {
    return {
      kind: 'none',
      note: `; its sidecar ${place.relPath} was not uploaded: ${(error as Error).message}`,
    };
  } finally {
    await handle.close();
  }
}

/** For tests and tools: the sidecar key of a capture key ("a/b.jpg" + ".pred.json"). */
export function sidecarKeyFor(captureKey: string, pattern: string): string {
  return `${captureKey}${sidecarKeySuffix(pattern)}`;
}
