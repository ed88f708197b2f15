/** "Did you mean …" for typos in keys and values. */

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The candidate the operator most likely meant, or undefined when none is close. */
export function closestMatch(value: string, candidates: readonly string[]): string | undefined {
  const wanted = value.toLowerCase();
  if (wanted === '') return undefined;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    // "monday" for "mon", "extensions" for "extension": a shared prefix is a strong hint.
    const distance = wanted.startsWith(lower) || lower.startsWith(wanted) ? 1 : editDistance(wanted, lower);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(2, Math.floor(wanted.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

export function didYouMean(value: string, candidates: readonly string[], quote = '"'): string {
  const match = closestMatch(value, candidates);
  return match === undefined ? '' : `Did you mean ${quote}${match}${quote}? `;
}
