import path from 'node:path';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The inverse of the sidecar pattern: path prefixes under which the captures a sidecar describes
 * are stored. `{stem}.pred.json` at `cam/a/frame.pred.json` gives `cam/a/frame` (frame, frame.jpg,
 * frame.png ...); `preds/{stem}.json` at `cam/preds/frame.json` gives `cam/frame`. Callers confirm
 * each candidate with the forward mapping, so a prefix may be broader than the owners.
 */
export function sidecarOwnerPrefixes(pattern: string, sidecarAbsPath: string): string[] {
  const posixPattern = pattern.replaceAll('\\', '/');
  const placeholders = [...posixPattern.matchAll(/\{stem\}|\{name\}/g)].map((match) => match[0]);
  if (placeholders.length === 0) return [];
  const regex = posixPattern
    .split(/\{stem\}|\{name\}/)
    .map(escapeRegExp)
    .join('([^/]+)');
  const posixPath = sidecarAbsPath.split(path.sep).join('/');
  const match = new RegExp(`/${regex}$`).exec(posixPath);
  if (!match) return [];
  const ownerDir = posixPath
    .slice(0, match.index + 1)
    .split('/')
    .join(path.sep);
  // Every occurrence of a placeholder names the same file; the first one is enough.
  const value = match[1] ?? '';
  return [ownerDir + value];
}
