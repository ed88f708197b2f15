import { createHash, randomBytes } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { UploadError } from '../types.ts';

/** The longest file name (one path component) Linux file systems hold, in bytes. */
export const NAME_MAX_BYTES = 255;

/**
 * 8 hex characters naming one engine (this host and data folder) in its temp file names, so
 * its cleanup removes only its own leftovers on a share other sites write into too.
 */
export function ownerTagFor(owner: string): string {
  return createHash('sha256').update(`${hostname()}\0${owner}`).digest('hex').slice(0, 8);
}

/**
 * A short temp name in the key's folder (`.ec-<owner>-<random>.tmp`, 25 bytes): a temp name
 * built from the final name would push a legal 255-byte name over the limit.
 */
export function tempPathFor(finalPath: string, ownerTag: string): string {
  return join(dirname(finalPath), `.ec-${ownerTag}-${randomBytes(4).toString('hex')}.tmp`);
}

/** Whether a file name is one of this engine's temp files (copies and probes). */
export function isOwnTempName(name: string, ownerTag: string): boolean {
  return (
    name.length === 25 && name.startsWith(`.ec-${ownerTag}-`) && /^[0-9a-f]{8}\.tmp$/.test(name.slice(13))
  );
}

/** The file an object key maps to under root. Keys that would climb out of root are refused. */
export function pathForKey(root: string, key: string): string {
  const segments = key.split('/').filter((segment) => segment !== '');
  if (segments.length === 0) throw new UploadError('bad_request', `object key "${key}" is empty`);
  for (const segment of segments) {
    const bytes = Buffer.byteLength(segment);
    if (bytes > NAME_MAX_BYTES) {
      throw new UploadError(
        'bad_request',
        `the name "${segment.slice(0, 40)}…" in this file's object key is ${bytes} bytes; a file name at the destination holds at most ${NAME_MAX_BYTES}: shorten the rule's key template`,
      );
    }
    if (
      segment === '.' ||
      segment === '..' ||
      segment.includes('\0') ||
      (sep !== '/' && segment.includes(sep))
    ) {
      throw new UploadError(
        'bad_request',
        `object key "${key}" has a "${segment}" segment; fix the rule's key template`,
      );
    }
  }
  return join(root, ...segments);
}

/** The user the engine runs as, for messages about permissions. */
function runningAs(): string {
  return typeof process.getuid === 'function' ? `uid ${process.getuid()}` : 'the engine';
}

/**
 * Maps a failure writing to the share to the UploadError kind the scheduler acts on, in
 * operator words with the fix. Whether it is the share's as a whole (every file would hit it)
 * or this file's, the uploader's probe decides.
 */
export function destinationFsError(err: unknown, what: string): UploadError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const raw = `${what}: ${(err as Error)?.message ?? err}`;
  const make = (kind: UploadError['kind'], message: string) => new UploadError(kind, message, { cause: err });
  switch (code) {
    // A share that vanished or hangs is like a network outage: wait and probe.
    case 'ENOENT':
    case 'EIO':
    case 'ESTALE':
    case 'ENOTCONN':
    case 'EHOSTDOWN':
    case 'ETIMEDOUT':
    case 'ENXIO':
    case 'ENODEV':
      return make('offline', raw);
    case 'EACCES':
    case 'EPERM':
      return make('permission', `${what}: permission denied (${code}); let ${runningAs()} write there`);
    case 'EROFS':
      return make(
        'misconfigured',
        `${what}: the destination is mounted read-only (EROFS); mount it read-write`,
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return make('full', `${what}: the destination is full (${code}); free space there or raise the quota`);
    case 'ENAMETOOLONG':
      return make(
        'bad_request',
        `${what}: the destination cannot hold a name this long (ENAMETOOLONG); shorten the rule's key template`,
      );
    case 'ENOTDIR':
      return make(
        'bad_request',
        `${what}: a file at the destination is where a folder of this path should be (ENOTDIR)`,
      );
    case 'EINVAL':
    case 'EISDIR':
      return make('bad_request', raw);
    default:
      // The store's side: an operator may fix it without us changing anything.
      return make('server', raw);
  }
}

/** The first part of `path` that exists and is not a folder, when one is in the way. */
async function fileInTheWay(path: string): Promise<string | undefined> {
  for (let at = dirname(path); at !== dirname(at); at = dirname(at)) {
    try {
      if (!(await stat(at)).isDirectory()) {
        const parent = dirname(at);
        if ((await stat(parent)).isDirectory()) return at;
      }
    } catch {
      // Missing or not reachable: look further up.
    }
  }
  return undefined;
}

/**
 * The root must exist: a share that is not mounted is an outage, and creating the directory
 * would write into the local disk under the mount point. Only the local demo store creates it.
 */
export async function ensureRoot(root: string, create: boolean): Promise<void> {
  if (create) {
    try {
      await mkdir(root, { recursive: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A file in the way: the checks below say which, in the operator's words.
      if (code !== 'ENOTDIR' && code !== 'EEXIST') {
        throw destinationFsError(err, `cannot create the local store ${root}`);
      }
    }
  }
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UploadError('offline', `destination folder ${root} does not exist (is the share mounted?)`, {
        cause: err,
      });
    }
    if (code === 'ENOTDIR') {
      const file = await fileInTheWay(root);
      throw new UploadError(
        'misconfigured',
        `destination.path ${root} cannot be a folder: ${file ?? 'a part of it'} is a file, not a folder; point destination.path at a folder (or move that file away)`,
        { cause: err },
      );
    }
    throw destinationFsError(err, `cannot reach destination folder ${root}`);
  }
  if (!info.isDirectory()) {
    throw new UploadError(
      'misconfigured',
      `destination.path ${root} is a file, not a folder; point destination.path at a folder`,
    );
  }
}
