import type { Check } from './types.ts';

/**
 * Deterministic sampling: the content hash and the rule name pick a position 0..9999, and the file is
 * in the sample when that position is below the percentage. Re-deciding a file or a dry run gives the
 * same answer, and two rules sampling 5% take different files.
 */

function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Murmur3's finaliser: spreads FNV's weak low bits so near-identical inputs land far apart. */
function mix(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function sampleCheck(ruleName: string, percent: number): Check {
  const seed = fnv1a(`${ruleName}\u0000`);
  const threshold = Math.round(percent * 100);
  // Without a hash (never expected after inspection) the path still gives a stable position.
  const position = (sha256: string, relPath: string) => mix(fnv1a(sha256 || relPath, seed)) % 10_000;
  return {
    test: (f) =>
      position(f.inspection.sha256, f.relPath) < threshold ? undefined : `not in the ${percent}% sample`,
    describe: () => `in the ${percent}% sample`,
  };
}
