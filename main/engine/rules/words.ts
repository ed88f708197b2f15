import { formatBytes, formatDuration } from '../config/units.ts';

/** Number and list formatting for traces and reasons. */

/** "4 KiB" rather than "4.0 KiB": reads better in a sentence. */
export const bytes = (n: number): string => formatBytes(n).replace('.0 ', ' ');
export const duration = (ms: number): string => formatDuration(ms).replace('.0 ', ' ');
export const score = (s: number): string => String(Math.round(s * 1000) / 1000);

/** "a", "a or b", "a, b or c". */
export function either(values: readonly string[], conjunction = 'or'): string {
  if (values.length <= 1) return values[0] ?? '';
  return `${values.slice(0, -1).join(', ')} ${conjunction} ${values.at(-1)}`;
}

export const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
