import { createHash } from 'node:crypto';
import { type FileHandle, link, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { UploadOptions, UploadSource } from '../types.ts';
import { UploadError } from '../types.ts';
import { destinationFsError } from './fs-paths.ts';
import { checkSourceUnchanged, openSource, sourceFileError, sourceHashMismatch } from './source-file.ts';

const CHUNK_SIZE = 1024 * 1024;

async function writeAll(handle: FileHandle, data: Buffer, what: string): Promise<void> {
  let written = 0;
  while (written < data.length) {
    try {
      const { bytesWritten } = await handle.write(data, written, data.length - written);
      written += bytesWritten;
    } catch (err) {
      throw destinationFsError(err, what);
    }
  }
}

/**
 * Streams the source into `tempPath` (paced by the throttle), fsyncs it, and proves we copied
 * the inspected file: same size, mtime and sha256 as the queue recorded. Returns bytes written.
 */
export async function copyToTemp(
  source: UploadSource,
  tempPath: string,
  options: UploadOptions,
  fsync: boolean,
): Promise<number> {
  const input = await openSource(source);
  let output: FileHandle;
  try {
    output = await open(tempPath, 'wx');
  } catch (err) {
    await input.close();
    throw destinationFsError(err, `cannot create ${tempPath}`);
  }
  const hash = createHash('sha256');
  let total = 0;
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_SIZE);
    for (;;) {
      options.signal.throwIfAborted();
      let bytesRead: number;
      try {
        ({ bytesRead } = await input.read(buffer, 0, buffer.length, null));
      } catch (err) {
        throw sourceFileError(err, source.absPath);
      }
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > source.size) {
        throw new UploadError('source_changed', `${source.absPath} grew while it was copied`);
      }
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      await options.throttle.take(bytesRead, options.signal);
      await writeAll(output, chunk, `cannot write ${tempPath}`);
      options.onBytes?.(bytesRead);
    }
    if (fsync) {
      try {
        await output.sync();
      } catch (err) {
        throw destinationFsError(err, `cannot fsync ${tempPath}`);
      }
    }
  } finally {
    await input.close();
    await output.close().catch(() => {});
  }
  if (total !== source.size) {
    throw new UploadError('source_changed', `${source.absPath} shrank while it was copied`);
  }
  await checkSourceUnchanged(source);
  const actual = hash.digest('hex');
  if (actual !== source.sha256) throw sourceHashMismatch(source, actual);
  return total;
}

/** Filesystems without hard links: publish with rename (which would replace a file that appeared meanwhile). */
const NO_LINK_CODES = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/**
 * Moves the finished temp file to its key atomically and never over an existing file:
 * link() fails with EEXIST instead of replacing. Returns false when something is already there.
 */
export async function publish(tempPath: string, finalPath: string): Promise<boolean> {
  try {
    await link(tempPath, finalPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_LINK_CODES.has(code)) throw destinationFsError(err, `cannot publish ${finalPath}`);
    if (await exists(finalPath)) return false;
    try {
      await rename(tempPath, finalPath);
      return true;
    } catch (renameErr) {
      throw destinationFsError(renameErr, `cannot publish ${finalPath}`);
    }
  }
  await unlink(tempPath).catch(() => {});
  return true;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Makes the new directory entry durable (the file's data was synced before). */
export async function fsyncDirectory(path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dirname(path), 'r');
    await handle.sync();
  } catch (err) {
    // Some filesystems cannot fsync a directory; the rename itself is still atomic there.
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP', 'EBADF'].includes(code)) {
      throw destinationFsError(err, `cannot fsync ${dirname(path)}`);
    }
  } finally {
    await handle?.close();
  }
}
