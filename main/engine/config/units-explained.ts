import type { EngineConfig } from '../../../shared/config.ts';
import { describeBytes, parseByteRate, parseSize } from './units.ts';

/** How one size or rate written with a unit was read, so `validate` can say it plainly. */
export interface UnitReading {
  /** JSON pointer, e.g. `/upload/bandwidth`. */
  path: string;
  written: string;
  means: string;
}

const SIZE_FIELDS = [
  ['inspect', 'maxFileSize'],
  ['inspect', 'pii', 'maxScanBytes'],
  ['upload', 'multipartThreshold'],
  ['upload', 'partSize'],
  ['retention', 'diskGuard', 'maxBytes'],
  ['retention', 'diskGuard', 'minFreeBytes'],
];

const hasUnit = (value: unknown): value is string => typeof value === 'string' && /[a-z]/i.test(value);

function at(doc: unknown, keys: readonly (string | number)[]): unknown {
  let value = doc;
  for (const key of keys) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** Every size and bandwidth in the document that was written with a unit, with what it means in bytes. */
export function explainUnits(doc: EngineConfig): UnitReading[] {
  const readings: UnitReading[] = [];
  const size = (keys: readonly (string | number)[]) => {
    const value = at(doc, keys);
    const bytes = hasUnit(value) ? parseSize(value) : undefined;
    if (bytes !== undefined)
      readings.push({ path: `/${keys.join('/')}`, written: value as string, means: describeBytes(bytes) });
  };
  for (const keys of SIZE_FIELDS) size(keys);
  (doc.rules ?? []).forEach((_, i) => {
    size(['rules', i, 'when', 'size', 'min']);
    size(['rules', i, 'when', 'size', 'max']);
  });
  rates(doc.upload?.bandwidth, '/upload/bandwidth', readings);
  for (const [i, d] of (doc.destinations ?? []).entries())
    rates(d.bandwidth, `/destinations/${i}/bandwidth`, readings);
  return readings;
}

/** A bandwidth limit's rates: a timetable's entries end in their limit, "08:00,512k" or a lone "4M". */
function rates(bandwidth: unknown, path: string, readings: UnitReading[]): void {
  if (typeof bandwidth !== 'string') return;
  for (const entry of bandwidth.trim().split(/\s+/)) {
    const limit = entry.split(',').at(-1) ?? '';
    const bytes = hasUnit(limit) ? parseByteRate(limit) : undefined;
    if (bytes !== undefined)
      readings.push({ path, written: limit, means: `${describeBytes(bytes)} per second` });
  }
}
