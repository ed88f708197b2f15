import { open, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The two halves of publishing a file into a folder so that a reader never sees half of it: write it
 * under a temporary name beside its final one and fsync it; then, after the caller publishes it (rename,
 * or a hard link for a name that must not be replaced), fsync the folder. Shared by every export.
 */
export async function writeSynced(
  temp: string,
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
): Promise<number> {
  const handle = await open(temp, 'wx');
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      const { bytesWritten } = await handle.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      bytes += bytesWritten;
    }
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return bytes;
}

/** Makes a rename or link into the file's folder durable. */
export async function syncFolderOf(path: string): Promise<void> {
  const folder = await open(dirname(path), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
