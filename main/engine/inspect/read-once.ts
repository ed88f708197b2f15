import { createHash, hash } from 'node:crypto';
import fs from 'node:fs';
import { type Confinement, O_NOFOLLOW, openConfined } from './confine.ts';
import { InspectFailure, toInspectFailure } from './errors.ts';

/** Reads go through this buffer size; files up to this size are read with a single `read`. */
export const CHUNK_SIZE = 256 * 1024;
export const HEAD_SIZE = 64 * 1024;
const TAIL_SIZE = 64;

export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
}

export interface FileRead extends FileIdentity {
  birthtimeMs: number;
  sha256: string;
  /** The first 64 KiB (or the whole file when smaller). */
  head: Buffer;
  /** The last bytes of the file, for end-marker checks. */
  tail: Buffer;
  /** The first `textBytesFor(head)` bytes, when that is more than 0. */
  text: Buffer | undefined;
}

export interface ReadOptions {
  maxFileSize: number;
  /** Called once the head is known: how many leading bytes to keep as text (0 for none). */
  textBytesFor(head: Buffer): number;
  /** The capture folder the file must really be in, and which links may lead there. */
  confine?: Confinement;
}

// Callback fs wrapped by hand: FileHandle objects cost measurable time per small file.
const callbackIo = {
  open: (path: string, flags: number) =>
    new Promise<number>((resolve, reject) =>
      fs.open(path, flags, (err, fd) => (err ? reject(err) : resolve(fd))),
    ),
  fstat: (fd: number) =>
    new Promise<fs.Stats>((resolve, reject) => fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st)))),
  read: (fd: number, buf: Buffer, offset: number, length: number, position: number) =>
    new Promise<number>((resolve, reject) =>
      fs.read(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))),
    ),
  close: (fd: number) => new Promise<void>((resolve) => fs.close(fd, () => resolve())),
  stat: (path: string) => fs.promises.stat(path),
};

/** Runs a blocking call; its result or error arrives as a settled promise. */
function settled<T>(call: () => T): Promise<T> {
  try {
    return Promise.resolve(call());
  } catch (err) {
    return Promise.reject(err);
  }
}

// Inspection worker threads read with blocking calls: the thread has nothing else to do, and a small
// file then costs a few system calls instead of five hops through libuv's thread pool and back.
const blockingIo: typeof callbackIo = {
  open: (path, flags) => settled(() => fs.openSync(path, flags)),
  fstat: (fd) => settled(() => fs.fstatSync(fd)),
  read: (fd, buf, offset, length, position) => settled(() => fs.readSync(fd, buf, offset, length, position)),
  close: (fd) => settled(() => fs.closeSync(fd)).catch(() => undefined),
  stat: (path) => settled(() => fs.statSync(path)),
};

let io = callbackIo;

/** For inspection worker threads only: from now on files are read with blocking calls. */
export function readWithBlockingCalls(): void {
  io = blockingIo;
}

const open = (path: string, flags: number) => io.open(path, flags);
const fstat = (fd: number) => io.fstat(fd);
const read = (fd: number, buf: Buffer, offset: number, length: number, position: number) =>
  io.read(fd, buf, offset, length, position);
const close = (fd: number) => io.close(fd);

// O_NONBLOCK keeps a FIFO dropped into a capture folder from hanging the open; it is rejected below.
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);
// O_NOATIME: reading a fresh file would otherwise update its atime (relatime), and every such update is
// an inotify IN_ATTRIB event the watcher has to look at: a storm of useless events under load.
// Only the file's owner (or root) may use it, so EPERM falls back to a plain open.
const NOATIME = fs.constants.O_NOATIME ?? 0;
let noatimeAllowed = NOATIME !== 0;

async function openForReading(absPath: string, noFollow = false): Promise<number> {
  const flags = noFollow ? OPEN_FLAGS | O_NOFOLLOW : OPEN_FLAGS;
  if (noatimeAllowed) {
    try {
      return await open(absPath, flags | NOATIME);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
      // Not our file: plain opens from here on would be as good; keep trying per file is costly.
      noatimeAllowed = false;
    }
  }
  return open(absPath, flags);
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

function checkReadable(st: fs.Stats, absPath: string, maxFileSize: number): void {
  if (st.isDirectory()) {
    throw new InspectFailure('unreadable', `cannot read ${absPath}: it is a directory, not a file`, 'EISDIR');
  }
  if (!st.isFile()) {
    throw new InspectFailure(
      'unreadable',
      `cannot read ${absPath}: it is a pipe, socket or device, not a regular file; write regular files into capture folders`,
    );
  }
  if (st.size > maxFileSize) {
    throw new InspectFailure(
      'too_large',
      `${absPath} is ${formatBytes(st.size)}, above inspect.maxFileSize (${formatBytes(maxFileSize)}); raise inspect.maxFileSize to accept it`,
    );
  }
}

function shrankError(absPath: string, expected: number, got: number): InspectFailure {
  return new InspectFailure(
    'changed',
    `${absPath} shrank while it was being read (${expected} bytes expected, ${got} found); it will be inspected again once it is stable`,
  );
}

/** Fills `buf` from `position`; returns bytes read, fewer only at end of file. */
async function readFully(fd: number, buf: Buffer, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await read(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

async function readSmall(fd: number, st: fs.Stats, absPath: string, opts: ReadOptions): Promise<FileRead> {
  const buf = Buffer.allocUnsafe(st.size);
  const got = st.size === 0 ? 0 : await readFully(fd, buf, st.size, 0);
  if (got < st.size) throw shrankError(absPath, st.size, got);
  const head = buf.subarray(0, HEAD_SIZE);
  const textBytes = opts.textBytesFor(head);
  return {
    ...identity(st),
    birthtimeMs: st.birthtimeMs,
    sha256: hash('sha256', buf, 'hex'),
    head,
    tail: buf.subarray(Math.max(0, buf.length - TAIL_SIZE)),
    text: textBytes > 0 ? buf.subarray(0, textBytes) : undefined,
  };
}

async function readLarge(fd: number, st: fs.Stats, absPath: string, opts: ReadOptions): Promise<FileRead> {
  const chunk = Buffer.allocUnsafe(CHUNK_SIZE);
  const sha = createHash('sha256');
  let head: Buffer | undefined;
  let text: Buffer | undefined;
  let tail = Buffer.alloc(0);
  let position = 0;
  while (position < st.size) {
    const n = await readFully(fd, chunk, Math.min(CHUNK_SIZE, st.size - position), position);
    if (n === 0) throw shrankError(absPath, st.size, position);
    const bytes = chunk.subarray(0, n);
    sha.update(bytes);
    if (!head) {
      head = Buffer.from(bytes.subarray(0, HEAD_SIZE));
      const textBytes = Math.min(opts.textBytesFor(head), st.size);
      text = textBytes > 0 ? Buffer.allocUnsafe(textBytes) : undefined;
    }
    if (text && position < text.length) bytes.copy(text, position, 0, text.length - position);
    tail = Buffer.from(
      n >= TAIL_SIZE ? bytes.subarray(n - TAIL_SIZE) : Buffer.concat([tail, bytes]).subarray(-TAIL_SIZE),
    );
    position += n;
  }
  return {
    ...identity(st),
    birthtimeMs: st.birthtimeMs,
    sha256: sha.digest('hex'),
    head: head ?? Buffer.alloc(0),
    tail,
    text,
  };
}

function identity(st: fs.Stats): FileIdentity {
  return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev };
}

/**
 * Reads the file once: size check before reading, SHA-256 of every byte, and the head, tail and
 * text prefix kept on the way. Filesystem errors become InspectFailures.
 */
export async function readOnce(absPath: string, opts: ReadOptions): Promise<FileRead> {
  let fd: number | undefined;
  try {
    fd = opts.confine
      ? await openConfined(absPath, opts.confine, openForReading)
      : await openForReading(absPath);
    const st = await fstat(fd);
    checkReadable(st, absPath, opts.maxFileSize);
    return st.size <= CHUNK_SIZE
      ? await readSmall(fd, st, absPath, opts)
      : await readLarge(fd, st, absPath, opts);
  } catch (err) {
    throw toInspectFailure(err, absPath);
  } finally {
    if (fd !== undefined) void close(fd);
  }
}

/** Throws `changed` (or `vanished`) when the file at absPath is no longer the one that was read. */
export async function confirmUnchanged(absPath: string, before: FileIdentity): Promise<void> {
  let now: fs.Stats;
  try {
    now = await io.stat(absPath);
  } catch (err) {
    throw toInspectFailure(err, absPath);
  }
  const what =
    now.ino !== before.ino || now.dev !== before.dev
      ? 'was replaced by another file'
      : now.size !== before.size
        ? `changed size from ${before.size} to ${now.size} bytes`
        : now.mtimeMs !== before.mtimeMs
          ? 'was modified'
          : undefined;
  if (what) {
    throw new InspectFailure(
      'changed',
      `${absPath} ${what} while it was being inspected; it will be inspected again once it is stable`,
    );
  }
}
