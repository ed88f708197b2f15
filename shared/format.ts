/** Byte counts in binary units, the same in the CLI, the logs and the UI. Pure: no Node, no DOM. */
const BINARY_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/** The largest binary unit that keeps the value at or above 1 (for 1024 bytes and more). */
export function binaryScale(bytes: number): { value: number; unit: (typeof BINARY_UNITS)[number] } {
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return { value, unit: BINARY_UNITS[unit] ?? 'TiB' };
}

/** "512 B", "4.0 KiB", "37 MiB": one decimal below 10, none above. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const { value, unit } = binaryScale(bytes);
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)} ${unit}`;
}

/** "12,345": counts with thousands separators, the same everywhere. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
