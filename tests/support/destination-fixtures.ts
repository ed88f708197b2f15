import { createHash, randomBytes } from 'node:crypto';
import { mkdir, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type {
  MultipartProgress,
  Throttle,
  UploadOptions,
  UploadSource,
} from '../../main/engine/upload/types.ts';
import { UploadError, type UploadErrorKind } from '../../main/engine/upload/types.ts';

export const MIB = 1024 * 1024;

export interface TestFile {
  source: UploadSource;
  data: Buffer;
}

let nextFileId = 1;

/** Writes `data` (or that many random bytes) to dir/name and describes it as the queue would. */
export async function makeSourceFile(
  dir: string,
  name: string,
  content: Buffer | number,
  objectKey = name,
): Promise<TestFile> {
  const data = typeof content === 'number' ? randomBytes(content) : content;
  const absPath = join(dir, name);
  await mkdir(dirname(absPath), { recursive: true });
  await writeFile(absPath, data);
  const info = await stat(absPath);
  return {
    data,
    source: {
      fileId: nextFileId++,
      absPath,
      size: data.length,
      mtimeMs: info.mtimeMs,
      sha256: sha256Hex(data),
      contentType: 'application/octet-stream',
      objectKey,
      metadata: { site: 'test-site', device: 'cam-1' },
      tags: { site: 'test site', rule: 'keep&send' },
    },
  };
}

/** Rewrites the file with other bytes of the same size and puts its mtime back: only sha256 can tell. */
export async function replaceContentKeepingStat(
  file: TestFile,
  offset: number,
  length: number,
): Promise<void> {
  const data = Buffer.from(file.data);
  randomBytes(length).copy(data, offset);
  await writeFile(file.source.absPath, data);
  const mtime = new Date(file.source.mtimeMs);
  await utimes(file.source.absPath, mtime, mtime);
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export const noThrottle: Throttle = {
  async take(_bytes, signal) {
    signal?.throwIfAborted();
  },
};

export interface RecordedOptions extends UploadOptions {
  /** Every value handed to saveProgress, in order. */
  saves: (MultipartProgress | undefined)[];
  lastSaved(): MultipartProgress | undefined;
  controller: AbortController;
}

export function uploadOptions(
  overrides: Partial<UploadOptions> & {
    onSave?: (p: MultipartProgress | undefined) => void | Promise<void>;
  } = {},
): RecordedOptions {
  const controller = new AbortController();
  const saves: (MultipartProgress | undefined)[] = [];
  return {
    signal: controller.signal,
    throttle: noThrottle,
    ...overrides,
    controller,
    saves,
    lastSaved: () => saves.at(-1),
    saveProgress(progress) {
      saves.push(progress === undefined ? undefined : structuredClone(progress));
      // Awaited by the destination, so a test can change the world between two parts.
      return overrides.onSave?.(progress);
    },
  };
}

/** Asserts the promise rejects with an UploadError of `kind`; returns it for more checks. */
export async function expectUploadError(
  promise: Promise<unknown>,
  kind: UploadErrorKind,
): Promise<UploadError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof UploadError && err.kind === kind) return err;
    const got = err instanceof UploadError ? `UploadError ${err.kind}: ${err.message}` : String(err);
    throw new Error(`expected UploadError ${kind}, got ${got}`, { cause: err });
  }
  throw new Error(`expected UploadError ${kind}, but it resolved`);
}
