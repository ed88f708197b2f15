import { UploadError } from '../types.ts';

/** Most `-N` suffixes tried before giving up on a free key. */
export const MAX_CONFLICT_SUFFIX = 100;

/** `/edge` → `edge/`: object keys never start with a slash, and a prefix is a folder. */
export function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+/, '');
  if (trimmed === '') return '';
  return trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

/** `edge` + `a/b.jpg` → `edge/a/b.jpg`; no doubled or leading slashes. */
export function joinKey(prefix: string | undefined, objectKey: string): string {
  return `${normalizePrefix(prefix)}${objectKey.replace(/^\/+/, '')}`;
}

/** `a/b.jpg`, 2 → `a/b-2.jpg`: the number goes before the extension of the last path segment. */
export function suffixKey(key: string, n: number): string {
  const slash = key.lastIndexOf('/');
  const dot = key.lastIndexOf('.');
  // A dot at the start of the name (".hidden") or in a folder name is not an extension.
  if (dot > slash + 1) return `${key.slice(0, dot)}-${n}${key.slice(dot)}`;
  return `${key}-${n}`;
}

/** The base key, then key-1 … key-100: where `suffix` may put an object. */
export function candidateKeys(baseKey: string): string[] {
  const keys = [baseKey];
  for (let n = 1; n <= MAX_CONFLICT_SUFFIX; n += 1) keys.push(suffixKey(baseKey, n));
  return keys;
}

/**
 * What is at a key, compared with the file we are about to send. `damaged`: an object that
 * claims our sha256 but has the wrong size (a cut upload some stores keep): ours to replace.
 */
export type KeyState = 'absent' | 'same' | 'different' | 'damaged';

export interface ResolvedKey {
  key: string;
  alreadyPresent: boolean;
}

/**
 * Picks where the upload goes: the base key when free, the key that already holds the same
 * content (nothing to send), or under `suffix` the first free key-N.
 */
export async function resolveTargetKey(
  baseKey: string,
  onConflict: 'report' | 'suffix',
  stateOf: (key: string) => Promise<KeyState>,
): Promise<ResolvedKey> {
  const keys = onConflict === 'suffix' ? candidateKeys(baseKey) : [baseKey];
  for (const key of keys) {
    const state = await stateOf(key);
    if (state === 'absent' || state === 'damaged') return { key, alreadyPresent: false };
    if (state === 'same') return { key, alreadyPresent: true };
  }
  if (onConflict === 'report') {
    throw new UploadError(
      'conflict',
      `a different object is already at ${baseKey}; remove it, or set destination.onConflict: suffix to upload beside it`,
    );
  }
  throw new UploadError(
    'conflict',
    `${baseKey} and its ${MAX_CONFLICT_SUFFIX} suffixed variants all hold different objects; clean up the destination`,
  );
}
