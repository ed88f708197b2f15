/** Wording shared by schema errors and the checks after it, so one mistake reads the same everywhere. */

/** The unit rule in one sentence, for hints and schema descriptions (parsed in units.ts). */
export const UNIT_RULE =
  'K, M, G and T are 1024-based with or without B or iB: "4M" = "4MB" = "4MiB" = 4,194,304 bytes.';

export interface Problem {
  message: string;
  hint: string;
}

/** A value as the operator typed it: strings quoted, lists and mappings named. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

export const notASize = (value: unknown): Problem => ({
  message: `${show(value)} is not a size.`,
  hint: `Use bytes or a string like "4KiB", "10MB". ${UNIT_RULE}`,
});

export const notADuration = (value: unknown): Problem => ({
  message: `${show(value)} is not a duration.`,
  hint: 'Use milliseconds or a string like "500ms", "30s", "5m", "2h", "7d".',
});

export const notATimeOfDay = (value: unknown): Problem => ({
  message: `${show(value)} is not a time of day.`,
  hint: 'Use 24-hour "HH:MM" between "00:00" and "23:59", e.g. "06:00" or "22:30".',
});

export const notAnId = (value: unknown): Problem => ({
  message: `${show(value)} is not a valid name.`,
  hint: 'Use letters, digits, ".", "_" and "-", starting with a letter or digit (no spaces or "/").',
});

export const notAContentType = (value: unknown): Problem => ({
  message: `${show(value)} is not a content type.`,
  hint: 'Use a MIME type like "image/jpeg", or a wildcard like "image/*".',
});
