/** When to try a failed upload again. */

export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

/** A store asking for more than a day is taken as a mistake, not an instruction. */
const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * Capped exponential backoff with full jitter (a random delay between 0 and the cap for this
 * attempt): many edge devices that failed together do not all come back at the same instant.
 * `attempt` counts from 1. A store's Retry-After is a floor: we never come back sooner than asked.
 */
export function retryDelay(
  attempt: number,
  settings: BackoffSettings,
  options: { retryAfterMs?: number; random?: () => number } = {},
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(settings.maxMs, settings.initialMs * 2 ** exponent);
  const jittered = Math.floor((options.random ?? Math.random)() * ceiling);
  const floor = Math.min(Math.max(options.retryAfterMs ?? 0, 0), MAX_RETRY_AFTER_MS);
  return Math.max(jittered, floor);
}
