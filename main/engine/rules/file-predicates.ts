import path from 'node:path';
import type { Check, FileFacts } from './types.ts';
import { bytes, duration, either } from './words.ts';

/** Predicates on where a file is and what kind of file it is. */

const posixPath = (facts: FileFacts): string =>
  facts.relPath.includes('\\') ? facts.relPath.replaceAll('\\', '/') : facts.relPath;

export function folderCheck(ids: readonly string[]): Check {
  const wanted = new Set(ids);
  return {
    test: (f) => (wanted.has(f.folderId) ? undefined : `folder ${f.folderId} is not ${either(ids)}`),
    describe: (f) => `from folder ${f.folderId}`,
  };
}

export function globCheck(globs: readonly string[]): Check {
  const matching = (f: FileFacts): string | undefined => {
    const rel = posixPath(f);
    return globs.find((glob) => path.posix.matchesGlob(rel, glob));
  };
  return {
    test: (f) => (matching(f) ? undefined : `path ${posixPath(f)} does not match ${either(globs)}`),
    describe: (f) => `path matches ${matching(f)}`,
  };
}

/** Extensions are compared as lower-case name endings, so "tar.gz" and ".JPG" both work. */
export function extensionCheck(extensions: readonly string[]): Check {
  const endings = extensions.map((ext) => `.${ext.replace(/^\.+/, '').toLowerCase()}`);
  const shown = either(endings);
  const found = (f: FileFacts): string | undefined => {
    const name = path.posix.basename(posixPath(f)).toLowerCase();
    return endings.find((ending) => name.endsWith(ending) && name.length > ending.length);
  };
  return {
    test: (f) => {
      if (found(f)) return undefined;
      const ext = path.posix.extname(posixPath(f));
      return ext
        ? `extension ${ext.toLowerCase()} is not ${shown}`
        : `file has no extension, wanted ${shown}`;
    },
    describe: (f) => `extension ${found(f)}`,
  };
}

/** `image/*` matches any image type; `*` and `*\/*` match everything. Parameters (`; charset=…`) are ignored. */
export function contentTypeCheck(types: readonly string[]): Check {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  let anything = false;
  for (const type of types.map((t) => t.toLowerCase())) {
    if (type === '*' || type === '*/*') anything = true;
    else if (type.endsWith('/*')) prefixes.push(type.slice(0, -1));
    else exact.add(type);
  }
  const bare = (f: FileFacts): string => {
    const type = f.inspection.contentType.toLowerCase();
    const semicolon = type.indexOf(';');
    return semicolon < 0 ? type : type.slice(0, semicolon).trim();
  };
  return {
    test: (f) => {
      if (anything) return undefined;
      const type = bare(f);
      if (exact.has(type) || prefixes.some((prefix) => type.startsWith(prefix))) return undefined;
      return `content type ${type || 'unknown'} is not ${either(types)}`;
    },
    describe: (f) => `content type ${bare(f)}`,
  };
}

export function sizeCheck(min: number | undefined, max: number | undefined): Check {
  return {
    test: (f) => {
      const size = f.inspection.size;
      if (min !== undefined && size < min) return `size ${bytes(size)} is below min ${bytes(min)}`;
      if (max !== undefined && size > max) return `size ${bytes(size)} is above max ${bytes(max)}`;
      return undefined;
    },
    describe: (f) => `size ${bytes(f.inspection.size)}`,
  };
}

export function ageCheck(min: number | undefined, max: number | undefined): Check {
  return {
    test: (f, now) => {
      const age = Math.max(0, now - f.inspection.mtimeMs);
      if (min !== undefined && age < min) return `age ${duration(age)} is below min ${duration(min)}`;
      if (max !== undefined && age > max) return `age ${duration(age)} is above max ${duration(max)}`;
      return undefined;
    },
    describe: (f, now) => `${duration(Math.max(0, now - f.inspection.mtimeMs))} old`,
  };
}
