import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CredentialsError } from './store.ts';

/**
 * A file only its owner can read or write (mode 0600, POSIX). Written to a temporary file created
 * 0600 and renamed, so no moment exists where the keys sit in a file others can read; refused on read
 * if it is a link, not a regular file, owned by someone else, or open to group or others.
 */
const POSIX = process.platform !== 'win32';

export async function writeOwnerOnly(path: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    // The mode given to open() is filtered by the umask; say it again explicitly.
    if (POSIX) await handle.chmod(0o600);
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The file's bytes, or undefined when it does not exist. Throws CredentialsError when it is not safe. */
export async function readOwnerOnly(path: string): Promise<Buffer | undefined> {
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!info) return undefined;
  if (info.isSymbolicLink() || !info.isFile()) {
    throw new CredentialsError(`${path} is not a regular file; refusing to read keys from it.`);
  }
  if (POSIX) {
    if (process.getuid && info.uid !== process.getuid()) {
      throw new CredentialsError(`${path} belongs to another user; refusing to read keys from it.`);
    }
    if ((info.mode & 0o077) !== 0) {
      throw new CredentialsError(
        `${path} can be read by other users (mode ${(info.mode & 0o777).toString(8)}); run "chmod 600 ${path}" and start again.`,
      );
    }
  }
  return readFile(path);
}
