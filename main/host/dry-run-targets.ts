import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { ResolvedConfig, ResolvedFolder } from '../engine/config/types.ts';
import { type DryRunTarget, folderTargets } from '../engine/dry-run.ts';

/**
 * The files a dry run decides: every file in the capture folders (or the chosen one), or the paths
 * the operator typed, each file or folder found inside a capture folder. What cannot be tried is
 * explained in `notes` instead.
 */
export async function dryRunTargets(
  config: ResolvedConfig,
  options: { folderId?: string; paths?: string[] },
  notes: string[],
): Promise<AsyncIterable<DryRunTarget>> {
  const paths = (options.paths ?? []).map((path) => path.trim()).filter(Boolean);
  if (paths.length === 0) {
    const folders = options.folderId
      ? config.folders.filter((folder) => folder.id === options.folderId)
      : config.folders;
    if (options.folderId && folders.length === 0)
      notes.push(`There is no capture folder "${options.folderId}".`);
    return concat(folders.map((folder) => folderTargets(folder)));
  }
  const found: (DryRunTarget | AsyncIterable<DryRunTarget>)[] = [];
  for (const typed of paths) {
    const candidates = locate(config.folders, typed, options.folderId);
    if (candidates.length === 0) {
      notes.push(
        `${typed}: not inside a capture folder; only files in ${config.folders.map((f) => f.path).join(', ')} can be tried.`,
      );
      continue;
    }
    let seen = false;
    for (const candidate of candidates) {
      const info = await stat(candidate.absPath).catch(() => undefined);
      if (!info) continue;
      seen = true;
      const { folder, absPath } = candidate;
      if (info.isDirectory())
        found.push(folderTargets(folder, absPath === folder.path ? undefined : absPath + sep));
      else found.push(candidate);
      break;
    }
    if (!seen) notes.push(`${typed}: no such file or folder in the capture folders.`);
  }
  return concat(found.map((item) => (Symbol.asyncIterator in item ? item : single(item))));
}

/** A typed path: absolute, or relative to a capture folder (`cam/frame.jpg` or `frame.jpg` in the chosen one). */
function locate(folders: readonly ResolvedFolder[], typed: string, folderId?: string): DryRunTarget[] {
  const candidates = isAbsolute(typed)
    ? folders.map((folder) => ({ folder, absPath: resolve(typed) }))
    : folders.flatMap((folder) => {
        const inside = [{ folder, absPath: resolve(folder.path, typed) }];
        const [first, ...rest] = typed.split(/[\\/]/);
        if (first === folder.id && rest.length)
          inside.unshift({ folder, absPath: resolve(folder.path, ...rest) });
        return inside;
      });
  const ordered = folderId
    ? [
        ...candidates.filter((c) => c.folder.id === folderId),
        ...candidates.filter((c) => c.folder.id !== folderId),
      ]
    : candidates;
  return ordered
    .filter(({ folder, absPath }) => absPath === folder.path || absPath.startsWith(folder.path + sep))
    .map(({ folder, absPath }) => ({
      folder,
      absPath,
      relPath: relative(folder.path, absPath).split(sep).join('/'),
    }));
}

async function* single<T>(item: T): AsyncGenerator<T> {
  yield item;
}

async function* concat<T>(sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  for (const source of sources) yield* source;
}
