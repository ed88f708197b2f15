import { createHash } from 'node:crypto';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { UploadError, type UploadSource } from '../types.ts';

/** The identity of a file as the queue knows it; a different one means the file changed. */
export interface SourceIdentity {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** mtimes round-trip through SQLite and JSON: allow sub-millisecond noise. */
function sameMtime(a: number, b: number): boolean {
  return Math.abs(a - b) < 1;
}

export function sameIdentity(a: SourceIdentity, b: SourceIdentity): boolean {
  return a.size === b.size && sameMtime(a.mtimeMs, b.mtimeMs) && a.sha256 === b.sha256;
}

/** Maps a local read failure to the UploadError kind the scheduler acts on. */
export function sourceFileError(err: unknown, absPath: string): UploadError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new UploadError('source_vanished', `${absPath} is gone`, { cause: err });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EISDIR') {
    return new UploadError('source_unreadable', `cannot read ${absPath} (${code})`, { cause: err });
  }
  return new UploadError('source_unreadable', `cannot read ${absPath}: ${(err as Error)?.message ?? err}`, {
    cause: err,
  });
}

/** Throws source_changed / source_vanished / source_unreadable unless the file is as the queue saw it. */
export async function checkSourceUnchanged(source: UploadSource): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(source.absPath);
  } catch (err) {
    throw sourceFileError(err, source.absPath);
  }
  if (!info.isFile()) {
    throw new UploadError('source_unreadable', `${source.absPath} is no longer a regular file`);
  }
  if (info.size !== source.size || !sameMtime(info.mtimeMs, source.mtimeMs)) {
    throw new UploadError(
      'source_changed',
      `${source.absPath} changed since it was inspected (size ${source.size} → ${info.size}, mtime ${source.mtimeMs} → ${info.mtimeMs})`,
    );
  }
}

export async function openSource(source: UploadSource): Promise<FileHandle> {
  try {
    return await open(source.absPath, 'r');
  } catch (err) {
    throw sourceFileError(err, source.absPath);
  }
}

/** Reads exactly `length` bytes at `offset`; a short read means the file shrank under us. */
export async function readExactly(
  handle: FileHandle,
  source: UploadSource,
  offset: number,
  length: number,
): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled));
    } catch (err) {
      throw sourceFileError(err, source.absPath);
    }
    if (bytesRead === 0) {
      throw new UploadError('source_changed', `${source.absPath} shrank while it was being read`);
    }
    filled += bytesRead;
  }
  return buffer;
}

export function sourceHashMismatch(source: UploadSource, actual: string): UploadError {
  return new UploadError(
    'source_changed',
    `${source.absPath} no longer has the content that was inspected (sha256 ${source.sha256.slice(0, 12)}… → ${actual.slice(0, 12)}…)`,
  );
}

/** sha256 (hex) of a whole file, read in 1 MiB chunks. */
export async function sha256OfFile(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

export function md5Base64(data: Uint8Array): string {
  return createHash('md5').update(data).digest('base64');
}
