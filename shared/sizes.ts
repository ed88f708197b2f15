/**
 * Sizes as people write them, one rule everywhere (config files, the command line, the UI's filters):
 * K, M, G and T are 1024-based whether written alone, with B, or with iB, so "4M" = "4MB" = "4MiB" =
 * 4,194,304 bytes. A plain number is bytes.
 */

const BINARY: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A number and its unit, e.g. "4.5 MiB" → ["4.5", "MiB"]. */
export const NUMBER_AND_UNIT = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i;

/** Bytes for one size unit ("", "b", "k", "kb", "kib", …), or undefined. */
export function sizeFactor(unit: string): number | undefined {
  const match = /^([kmgt]?)(i?b)?$/.exec(unit.toLowerCase());
  if (!match) return undefined;
  const [, prefix = '', suffix] = match;
  if (prefix === '' && suffix === 'ib') return undefined; // "4 iB" is no unit
  return BINARY[prefix];
}

/** Returns bytes, or undefined when the value is not a size. Plain numbers are bytes. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const match = NUMBER_AND_UNIT.exec(value);
  const factor = match ? sizeFactor(match[2] ?? '') : undefined;
  return match && factor !== undefined ? Math.floor(Number(match[1]) * factor) : undefined;
}
