import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { copyFile, lstat, mkdir, open, rename, stat, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '../config/units.ts';

/** Size and mtime as the queue recorded them (mtime floored to whole milliseconds). */
export interface KnownCopy {
  size: number;
  mtimeMs: number;
}

/** What happened to a local file we meant to delete or move. I/O errors are thrown instead. */
export type CopyOutcome =
  | { kind: 'done'; how: 'deleted' | 'renamed' | 'copied'; target?: string }
  | { kind: 'gone' }
  | { kind: 'changed'; change: string };

/** Reads the file's size and mtime; undefined when it no longer exists. */
async function current(absPath: string): Promise<Stats | undefined> {
  try {
    return await stat(absPath);
  } catch (error) {
    if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return undefined;
    throw error;
  }
}

function differs(found: Stats, known: KnownCopy): string | undefined {
  if (!found.isFile()) return 'it is no longer a regular file';
  if (found.size !== known.size)
    return `its size is now ${formatBytes(found.size)}, was ${formatBytes(known.size)}`;
  if (Math.floor(found.mtimeMs) !== known.mtimeMs) {
    return `it was modified at ${new Date(found.mtimeMs).toISOString()}, the uploaded version at ${new Date(known.mtimeMs).toISOString()}`;
  }
  return undefined;
}

/** Deletes the file only if it is still the version we know (same size and mtime). */
export async function deleteIfUnchanged(absPath: string, known: KnownCopy): Promise<CopyOutcome> {
  const found = await current(absPath);
  if (!found) return { kind: 'gone' };
  const change = differs(found, known);
  if (change) return { kind: 'changed', change };
  try {
    await unlink(absPath);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return { kind: 'gone' };
    throw error;
  }
  return { kind: 'done', how: 'deleted' };
}

/**
 * Moves the file to target if it is still the version we know. Never overwrites: an existing
 * target gets a numbered name (`name~2.ext`). Across filesystems the copy is fsynced and given the
 * original mtime before the original is deleted, so a crash leaves at worst two copies, never none.
 */
export async function moveIfUnchanged(
  absPath: string,
  wanted: string,
  known: KnownCopy,
): Promise<CopyOutcome> {
  const found = await current(absPath);
  if (!found) return { kind: 'gone' };
  const change = differs(found, known);
  if (change) return { kind: 'changed', change };
  await mkdir(path.dirname(wanted), { recursive: true });
  const target = await freeName(wanted);
  try {
    await rename(absPath, target);
    await syncDirectory(path.dirname(target));
    return { kind: 'done', how: 'renamed', target };
  } catch (error) {
    if (isCode(error, 'ENOENT')) return { kind: 'gone' };
    if (!isCode(error, 'EXDEV')) throw error;
  }
  return copyAcross(absPath, target, found, known);
}

async function copyAcross(
  absPath: string,
  target: string,
  before: Stats,
  known: KnownCopy,
): Promise<CopyOutcome> {
  // A dot-name in the target folder: invisible to anyone watching it, and renamed into place atomically.
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(4).toString('hex')}.partial`,
  );
  try {
    await copyFile(absPath, temp, constants.COPYFILE_EXCL);
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await utimes(temp, before.atimeMs / 1000, before.mtimeMs / 1000);
    const copied = await stat(temp);
    const after = await current(absPath);
    const change = !after ? undefined : differs(after, known);
    if (!after || change || copied.size !== known.size) {
      await unlink(temp);
      if (!after) return { kind: 'gone' };
      return {
        kind: 'changed',
        change: change ?? `the copy has ${formatBytes(copied.size)}, expected ${formatBytes(known.size)}`,
      };
    }
    await rename(temp, target);
    await syncDirectory(path.dirname(target));
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  try {
    await unlink(absPath);
  } catch (error) {
    if (!isCode(error, 'ENOENT')) throw error;
  }
  return { kind: 'done', how: 'copied', target };
}

async function freeName(wanted: string): Promise<string> {
  const ext = path.extname(wanted);
  const stem = wanted.slice(0, wanted.length - ext.length);
  for (let n = 1; n < 10_000; n++) {
    const candidate = n === 1 ? wanted : `${stem}~${n}${ext}`;
    try {
      await lstat(candidate);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return candidate;
      throw error;
    }
  }
  throw new Error(`Could not find a free archive name for ${wanted}: ~2 to ~9999 are all taken`);
}

/** Makes a rename durable; some filesystems refuse to fsync a directory, which only costs durability. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Best effort, see above.
  } finally {
    await handle?.close();
  }
}

export function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** `EACCES: permission denied, unlink '/x'` → a sentence without the stack. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
