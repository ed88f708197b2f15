import { createHash } from 'node:crypto';
import fs, { type Stats } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { UploadError, type UploadSource } from '../types.ts';

// O_NOATIME: our read would otherwise bump the file's atime (inspection read it without), and
// that is an inotify IN_ATTRIB event per uploaded file for the watcher to look at. Only the
// owner (or root) may ask for it, so EPERM falls back to a plain open.
const NOATIME = fs.constants.O_NOATIME ?? 0;
let noatimeAllowed = NOATIME !== 0;
// O_NONBLOCK: a FIFO put where the file was must not hang the open (fstat then refuses it).
const READ_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/** Opens for reading with O_NOATIME while we may, else plainly. */
async function openForReading<T>(openWith: (flags: number) => Promise<T>): Promise<T> {
  if (noatimeAllowed) {
    try {
      return await openWith(READ_FLAGS | NOATIME);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
      noatimeAllowed = false;
    }
  }
  return openWith(READ_FLAGS);
}

/** The file operations readVerifiedSource needs, sync or async. */
interface FdOps {
  open(absPath: string): number | Promise<number>;
  fstat(fd: number): Stats | Promise<Stats>;
  read(
    fd: number,
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): number | Promise<number>;
  close(fd: number): void | Promise<void>;
}

// Callback fs wrapped by hand: FileHandle objects and their promises cost measurable time per small file.
const ASYNC_FD: FdOps = {
  open: (absPath) =>
    openForReading(
      (flags) =>
        new Promise<number>((resolve, reject) =>
          fs.open(absPath, flags, (err, fd) => (err ? reject(err) : resolve(fd))),
        ),
    ),
  fstat: (fd) =>
    new Promise<Stats>((resolve, reject) => fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st)))),
  read: (fd, buffer, offset, length, position) =>
    new Promise<number>((resolve, reject) =>
      fs.read(fd, buffer, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))),
    ),
  close: (fd) => new Promise<void>((resolve) => fs.close(fd, () => resolve())),
};

/**
 * Files up to this size are read synchronously: they were inspected moments ago, so their bytes
 * are in the page cache and the read takes microseconds, where four thread-pool round trips
 * (open, fstat, read, close) cost the event loop far more, per file, than the read itself.
 */
const SYNC_READ_MAX = 64 * 1024;

const SYNC_FD: FdOps = {
  open(absPath) {
    if (noatimeAllowed) {
      try {
        return fs.openSync(absPath, READ_FLAGS | NOATIME);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
        noatimeAllowed = false;
      }
    }
    return fs.openSync(absPath, READ_FLAGS);
  },
  fstat: (fd) => fs.fstatSync(fd),
  read: (fd, buffer, offset, length, position) => fs.readSync(fd, buffer, offset, length, position),
  close: (fd) => fs.closeSync(fd),
};

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
  let info: Stats;
  try {
    info = await stat(source.absPath);
  } catch (err) {
    throw sourceFileError(err, source.absPath);
  }
  checkIdentity(info, source);
}

function checkIdentity(info: Stats, source: UploadSource): void {
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
    return await openForReading((flags) => open(source.absPath, flags));
  } catch (err) {
    throw sourceFileError(err, source.absPath);
  }
}

/** Reads exactly `length` bytes at `offset` (into `into` when given); a short read means the file shrank under us. */
export async function readExactly(
  handle: FileHandle,
  source: UploadSource,
  offset: number,
  length: number,
  into?: Buffer,
): Promise<Buffer> {
  const buffer = into ? into.subarray(0, length) : Buffer.allocUnsafe(length);
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

/**
 * The whole file, read with one open and checked to be the version the queue inspected: its size
 * and mtime (fstat) and its sha256. For single PUTs, whose body is held in memory anyway.
 */
export async function readVerifiedSource(source: UploadSource): Promise<Buffer> {
  const io = source.size <= SYNC_READ_MAX ? SYNC_FD : ASYNC_FD;
  let fd: number;
  try {
    fd = await io.open(source.absPath);
  } catch (err) {
    throw sourceFileError(err, source.absPath);
  }
  const body = Buffer.allocUnsafe(source.size);
  try {
    let info: Stats;
    try {
      info = await io.fstat(fd);
    } catch (err) {
      throw sourceFileError(err, source.absPath);
    }
    checkIdentity(info, source);
    for (let filled = 0; filled < body.length; ) {
      let n: number;
      try {
        n = await io.read(fd, body, filled, body.length - filled, filled);
      } catch (err) {
        throw sourceFileError(err, source.absPath);
      }
      if (n === 0)
        throw new UploadError('source_changed', `${source.absPath} shrank while it was being read`);
      filled += n;
    }
  } finally {
    await io.close(fd);
  }
  const actual = createHash('sha256').update(body).digest('hex');
  if (actual !== source.sha256) throw sourceHashMismatch(source, actual);
  return body;
}

/**
 * Single-PUT bodies up to this size are read into memory once (concurrency × this at most);
 * larger ones are hashed in a streaming pass first (Content-MD5 must be sent before the body)
 * and then streamed from the file, so memory stays bounded whatever the multipart threshold.
 */
export const IN_MEMORY_BODY_MAX = 1024 * 1024;
const HASH_CHUNK_BYTES = 1024 * 1024;

/** A single PUT's body, checked against the inspected file: its MD5, and the bytes when small. */
export interface CheckedBody {
  md5: Buffer;
  /** The whole file, when it is small enough to hold (IN_MEMORY_BODY_MAX); else send it from the file. */
  data?: Buffer;
}

export async function checkedSingleBody(source: UploadSource): Promise<CheckedBody> {
  if (source.size <= IN_MEMORY_BODY_MAX) {
    const data = await readVerifiedSource(source);
    return { data, md5: createHash('md5').update(data).digest() };
  }
  const handle = await openSource(source);
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  try {
    let info: Stats;
    try {
      info = await handle.stat();
    } catch (err) {
      throw sourceFileError(err, source.absPath);
    }
    checkIdentity(info, source);
    const buffer = Buffer.allocUnsafe(HASH_CHUNK_BYTES);
    for (let offset = 0; offset < source.size; offset += HASH_CHUNK_BYTES) {
      const chunk = await readExactly(
        handle,
        source,
        offset,
        Math.min(HASH_CHUNK_BYTES, source.size - offset),
        buffer,
      );
      sha256.update(chunk);
      md5.update(chunk);
    }
  } finally {
    await handle.close();
  }
  const actual = sha256.digest('hex');
  if (actual !== source.sha256) throw sourceHashMismatch(source, actual);
  return { md5: md5.digest() };
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
