import path from 'node:path';
import type { ResolvedFolder } from '../config/types.ts';

export type NameClass = 'temp' | 'ignored' | 'candidate';

const SLASH = 47;
/** A `.` or `..` segment, or an empty one (`//`), a trailing `/`: not a normalized path. */
const DOT_SEGMENT = /\/\.{1,2}(?:\/|$)|\/\/|\/$/;

/** rsync writes `.name.XXXXXX` and renames it to `name` when done. */
const RSYNC_TEMP = /^\.(.+)\.[A-Za-z0-9]{6}$/;

/** The path of `absPath` inside `root`, with `/` separators; '' for the root itself. */
export function toRelPosix(root: string, absPath: string): string {
  // The watcher asks several times per event with normalized paths under the root: a slice then.
  // path.relative() resolves both against the working directory first, ~1 KB of garbage per call
  // (the largest allocation on the watcher's path in a burst of 20,000 files).
  if (
    path.sep === '/' &&
    absPath.startsWith(root) &&
    root.length > 1 &&
    !root.endsWith('/') &&
    absPath.charCodeAt(root.length) === SLASH &&
    !DOT_SEGMENT.test(absPath)
  ) {
    return absPath.slice(root.length + 1);
  }
  const rel = path.relative(root, absPath);
  return path.sep === '/' ? rel : rel.split(path.sep).join('/');
}

/**
 * temp: a name writers use while a file is still being written (never handed on, but remembered
 * to recognise the rename into place); ignored: hidden directories and `folder.ignore` globs;
 * candidate: everything else.
 */
export function classifyName(folder: ResolvedFolder, relPath: string): NameClass {
  const segments = relPath.split('/').filter((s) => s !== '');
  const base = segments.at(-1) ?? '';
  const parents = segments.slice(0, -1);
  if (folder.ignoreDotfiles && parents.some((s) => s.startsWith('.'))) return 'ignored';
  for (let i = 1; i <= parents.length; i++) {
    if (matchesIgnoreGlob(folder, parents.slice(0, i).join('/'))) return 'ignored';
  }
  return classifyEntry(folder, segments.join('/'), base);
}

/** classifyName for an entry whose directories are already known not to be ignored (the scan's fast path). */
export function classifyEntry(folder: ResolvedFolder, relPath: string, base: string): NameClass {
  if (isTempBaseName(folder, base)) return 'temp';
  if (matchesIgnoreGlob(folder, relPath)) return 'ignored';
  return 'candidate';
}

/** Whether a whole directory (relative, posix) is left out: hidden, or matched by an ignore glob. */
export function isIgnoredDir(folder: ResolvedFolder, relDir: string): boolean {
  if (relDir === '') return false;
  const segments = relDir.split('/');
  if (folder.ignoreDotfiles && segments.some((s) => s.startsWith('.'))) return true;
  for (let i = 1; i <= segments.length; i++) {
    if (matchesIgnoreGlob(folder, segments.slice(0, i).join('/'))) return true;
  }
  return false;
}

export function isTempBaseName(folder: ResolvedFolder, base: string): boolean {
  if (base === '') return false;
  const lower = base.toLowerCase();
  if (
    folder.tempSuffixes.some((s) => s !== '' && lower.length > s.length && lower.endsWith(s.toLowerCase()))
  ) {
    return true;
  }
  if (folder.tempPrefixes.some((p) => p !== '' && base.length > p.length && base.startsWith(p))) return true;
  return folder.ignoreDotfiles && base.startsWith('.');
}

/** The name a temp file most likely gets when it is renamed into place (`x.jpg.part` → `x.jpg`). */
export function finalNameForTemp(folder: ResolvedFolder, name: string): string | undefined {
  return finalNamesForTemp(folder, name)[0];
}

/** Every plausible final name for a temp name, most likely first (`.x.jpg.part` → `x.jpg`). */
export function finalNamesForTemp(folder: ResolvedFolder, name: string): string[] {
  if (!isTempBaseName(folder, name)) return [];
  const found: string[] = [];
  const seen = new Set<string>();
  const visit = (candidate: string, depth: number): void => {
    if (candidate === '' || seen.has(candidate)) return;
    seen.add(candidate);
    if (candidate !== name && !isTempBaseName(folder, candidate)) found.push(candidate);
    if (depth >= 2) return;
    for (const stripped of stripOnce(folder, candidate)) visit(stripped, depth + 1);
  };
  visit(name, 0);
  return found;
}

function stripOnce(folder: ResolvedFolder, name: string): string[] {
  const out: string[] = [];
  const lower = name.toLowerCase();
  for (const suffix of folder.tempSuffixes) {
    if (suffix !== '' && lower.length > suffix.length && lower.endsWith(suffix.toLowerCase())) {
      out.push(name.slice(0, -suffix.length));
    }
  }
  for (const prefix of folder.tempPrefixes) {
    if (prefix !== '' && name.length > prefix.length && name.startsWith(prefix))
      out.push(name.slice(prefix.length));
  }
  if (name.startsWith('.') && name.length > 1) {
    const rsync = RSYNC_TEMP.exec(name);
    if (rsync?.[1]) out.push(rsync[1]);
    out.push(name.slice(1));
  }
  return out;
}

/**
 * Globs are relative to the folder. Like .gitignore, a glob without `/` also matches the base name at
 * any depth (`*.xmp` skips `a/b/c.xmp`), and `dir/**` also covers `dir` itself so it is not walked.
 */
function matchesIgnoreGlob(folder: ResolvedFolder, relPath: string): boolean {
  if (folder.ignore.length === 0 || relPath === '') return false;
  const base = relPath.slice(relPath.lastIndexOf('/') + 1);
  for (const glob of folder.ignore) {
    if (path.posix.matchesGlob(relPath, glob)) return true;
    if (!glob.includes('/') && path.posix.matchesGlob(base, glob)) return true;
    if (glob.endsWith('/**') && path.posix.matchesGlob(relPath, glob.slice(0, -3))) return true;
  }
  return false;
}
