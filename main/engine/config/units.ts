/**
 * Sizes, rates and durations as written in config files and on the command line.
 *
 * The one rule for sizes and rates: K, M, G and T are 1024-based whether written alone, with B,
 * or with iB, so "4M" = "4MB" = "4MiB" = 4,194,304 bytes, as a file size and as a bandwidth
 * (then per second). A plain number is bytes (bytes per second). Rates may also be given in
 * bits, the way link speeds are quoted: "10Mbit" = 10,000,000 bits = 1,250,000 bytes per second.
 */

import { binaryScale } from '../../../shared/format.ts';
import { NUMBER_AND_UNIT, parseSize, sizeFactor } from '../../../shared/sizes.ts';

export { formatBytes } from '../../../shared/format.ts';
export { parseSize };

const DECIMAL: Record<string, number> = { '': 1, k: 1000, m: 1000 ** 2, g: 1000 ** 3, t: 1000 ** 4 };

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * Returns bytes per second for a rate: a size per second ("512k", "4M", "4MiB/s") or bits per
 * second ("10Mbit", "100 kbit/s"); undefined when the text is not a rate.
 */
export function parseByteRate(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)(?:\/s)?\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = (match[2] ?? '').toLowerCase();
  const bits = /^([kmgt]?)bits?$/.exec(unit);
  if (bits) {
    const factor = DECIMAL[bits[1] ?? ''];
    return factor === undefined ? undefined : Math.floor((Number(match[1]) * factor) / 8);
  }
  const factor = sizeFactor(unit);
  return factor === undefined ? undefined : Math.floor(Number(match[1]) * factor);
}

/** Returns milliseconds, or undefined when the value is not a duration. Plain numbers are milliseconds. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = NUMBER_AND_UNIT.exec(value);
  if (!match) return undefined;
  const unit = (match[2] ?? '').toLowerCase() || 'ms';
  const factor = DURATION_UNITS[unit];
  return factor === undefined ? undefined : Number(match[1]) * factor;
}

/** A size as validate explains it: "4 MiB (4,194,304 bytes)". */
export function describeBytes(bytes: number): string {
  const exact = `${bytes.toLocaleString('en-US')} bytes`;
  if (bytes < 1024) return exact;
  const { value, unit } = binaryScale(bytes);
  const rounded = Number.isInteger(value) ? String(value) : `${Number(value.toFixed(2))}`;
  return `${rounded} ${unit} (${exact})`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}
