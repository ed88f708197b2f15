import type { Dirent, Stats } from 'node:fs';
import { lstat, opendir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedFolder } from '../config/types.ts';
import { classifyEntry, isIgnoredDir } from './names.ts';
import { describeFsError, errorCode, type FolderRef } from './problems.ts';
import type { SeenFile, WatchProblem } from './types.ts';

export interface ScanOptions {
  /** Files whose mtime is at least the stable window before this are complete. */
  now: number;
  batchSize?: number;
  /** Stats in flight at once. */
  concurrency?: number;
  /** Unreadable directories and files are skipped and reported here. */
  onProblem?: (problem: WatchProblem) => void;
  /** Used in hints, e.g. `folders[2].path`. */
  configPath?: string;
}

export interface ScanBatch {
  complete: SeenFile[];
  /** Absolute paths of files that may still be being written: pass them to `watcher.consider`. */
  pending: string[];
}

const DEFAULT_BATCH = 1000;
const DEFAULT_CONCURRENCY = 64;

/**
 * Walks a capture folder (depth-first, one directory open at a time) and stats candidate files
 * with bounded concurrency, yielding batches as they fill. Temp and ignored names are skipped.
 */
export async function* scanFolder(folder: ResolvedFolder, opts: ScanOptions): AsyncGenerator<ScanBatch> {
  const root = path.resolve(folder.path);
  const ref: FolderRef = {
    folderId: folder.id,
    root,
    configPath: opts.configPath ?? `the path of folder "${folder.id}"`,
  };
  const batchSize = Math.max(1, opts.batchSize ?? DEFAULT_BATCH);
  const limit = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const report = (problem: WatchProblem): void => opts.onProblem?.(problem);
  const settled = (stats: Stats): boolean =>
    folder.completion === 'rename' || opts.now - stats.mtimeMs >= folder.stableWindowMs;

  let batch: ScanBatch = { complete: [], pending: [] };
  let inFlight = 0;
  let slotFreed: (() => void) | undefined;

  const statFile = async (absPath: string, relPath: string): Promise<void> => {
    try {
      const stats = await stat(absPath);
      if (!stats.isFile()) return;
      if (settled(stats)) {
        batch.complete.push({
          folderId: folder.id,
          absPath,
          relPath,
          size: stats.size,
          mtimeMs: stats.mtimeMs,
          via: 'scan',
        });
      } else {
        batch.pending.push(absPath);
      }
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') report(describeFsError(ref, error, absPath, 'read'));
    } finally {
      inFlight--;
      const wake = slotFreed;
      slotFreed = undefined;
      wake?.();
    }
  };
  const slotFree = (): Promise<void> => new Promise<void>((resolve) => (slotFreed = resolve));
  const full = (): boolean => batch.complete.length + batch.pending.length >= batchSize;
  const takeBatch = (): ScanBatch => {
    const out = batch;
    batch = { complete: [], pending: [] };
    return out;
  };

  // Paths are built by concatenation (not path.join/relative): this loop runs once per file.
  const dirs: { abs: string; rel: string }[] = [{ abs: root, rel: '' }];
  while (dirs.length > 0) {
    const dir = dirs.pop() as { abs: string; rel: string };
    let handle: AsyncIterable<Dirent>;
    try {
      handle = await opendir(dir.abs, { bufferSize: 256 });
    } catch (error) {
      report(describeFsError(ref, error, dir.abs, 'list'));
      continue;
    }
    try {
      for await (const entry of handle) {
        const absPath = dir.abs.endsWith(path.sep)
          ? dir.abs + entry.name
          : `${dir.abs}${path.sep}${entry.name}`;
        const relPath = dir.rel === '' ? entry.name : `${dir.rel}/${entry.name}`;
        if (entry.isDirectory() || (isUnknownType(entry) && (await isDirectory(absPath)))) {
          if (folder.recursive && !isIgnoredDir(folder, relPath)) dirs.push({ abs: absPath, rel: relPath });
          continue;
        }
        // Symlinks are stat'ed (a linked file counts) but linked folders are not walked.
        if (!entry.isFile() && !entry.isSymbolicLink() && !isUnknownType(entry)) continue;
        // Ignored directories were never entered, so only the name itself needs classifying.
        if (classifyEntry(folder, relPath, entry.name) !== 'candidate') continue;
        while (inFlight >= limit) await slotFree();
        inFlight++;
        void statFile(absPath, relPath);
        if (full()) yield takeBatch();
      }
    } catch (error) {
      report(describeFsError(ref, error, dir.abs, 'list'));
    }
  }
  while (inFlight > 0) await slotFree();
  if (batch.complete.length + batch.pending.length > 0) yield takeBatch();
}

/** Some network filesystems do not say what an entry is; ask with lstat (links are not folders). */
async function isDirectory(absPath: string): Promise<boolean> {
  try {
    return (await lstat(absPath)).isDirectory();
  } catch {
    return false;
  }
}

function isUnknownType(entry: Dirent): boolean {
  return (
    !entry.isDirectory() &&
    !entry.isFile() &&
    !entry.isSymbolicLink() &&
    !entry.isFIFO() &&
    !entry.isSocket() &&
    !entry.isBlockDevice() &&
    !entry.isCharacterDevice()
  );
}
