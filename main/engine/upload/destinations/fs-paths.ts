import { randomBytes } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { UploadError } from '../types.ts';

/** Marks our in-progress copies; abortOrphans deletes old ones. */
export const TEMP_MARKER = '.edge-capture-tmp-';
export const PROBE_MARKER = '.edge-capture-probe-';

export function tempPathFor(finalPath: string): string {
  return `${finalPath}${TEMP_MARKER}${randomBytes(6).toString('hex')}`;
}

/** The file an object key maps to under root. Keys that would climb out of root are refused. */
export function pathForKey(root: string, key: string): string {
  const segments = key.split('/').filter((segment) => segment !== '');
  if (segments.length === 0) throw new UploadError('bad_request', `object key "${key}" is empty`);
  for (const segment of segments) {
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

/** Maps a failure writing to the share to the UploadError kind the scheduler acts on. */
export function destinationFsError(err: unknown, what: string): UploadError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const message = `${what}: ${(err as Error)?.message ?? err}`;
  // A share that vanished or hangs is like a network outage: wait and probe.
  if (['ENOENT', 'EIO', 'ESTALE', 'ENOTCONN', 'EHOSTDOWN', 'ETIMEDOUT', 'ENXIO', 'ENODEV'].includes(code)) {
    return new UploadError('offline', message, { cause: err });
  }
  if (['EACCES', 'EPERM', 'EROFS'].includes(code)) {
    return new UploadError('permission', message, { cause: err });
  }
  if (['ENAMETOOLONG', 'EINVAL', 'EISDIR', 'ENOTDIR'].includes(code)) {
    return new UploadError('bad_request', message, { cause: err });
  }
  // ENOSPC, EDQUOT and the rest: the store's side, an operator may fix it without us changing anything.
  return new UploadError('server', message, { cause: err });
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
      throw destinationFsError(err, `cannot create the local store ${root}`);
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
    throw destinationFsError(err, `cannot reach destination folder ${root}`);
  }
  if (!info.isDirectory()) {
    throw new UploadError('bad_request', `destination.path ${root} is not a folder`);
  }
}
