import { formatDuration } from '../engine/config/units.ts';
import type { ScopedRetention } from '../engine/retention/scopes.ts';

/** A per-folder or per-rule retention override in operator words: "delete the local copy", "keep for 7.0 d". */
export function overrideWords(override: ScopedRetention | undefined): string {
  if (!override) return 'as the site';
  const after =
    override.afterUpload === 'keep'
      ? 'keep the local copy'
      : override.afterUpload === 'delete'
        ? 'delete the local copy'
        : override.afterUpload === 'archive'
          ? 'move it to the archive folder'
          : undefined;
  const keep = override.keepForMs === undefined ? undefined : `for ${formatDuration(override.keepForMs)}`;
  if (after && keep) return `${after}, ${keep}`;
  if (after) return after;
  return `as the site, kept ${keep}`;
}

export const overrideOf = (
  scoped: readonly ScopedRetention[] | undefined,
  scope: ScopedRetention['scope'],
  name: string,
): ScopedRetention | undefined => scoped?.find((s) => s.scope === scope && s.name === name);

/** "folder cam: delete the local copy; rule thermal: keep the local copy, for 30 d". */
export function overridesWords(scoped: readonly ScopedRetention[]): string {
  return scoped.map((s) => `${s.scope} ${s.name}: ${overrideWords(s)}`).join('; ');
}
