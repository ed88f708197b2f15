/** Checks simulator options and fills in defaults; every error names the field and the fix. */
import { resolve } from 'node:path';
import { DEFAULT_MISTAKE_RATE } from './predictions.ts';
import { isInside } from './truth.ts';
import { CAPTURE_KINDS, type CaptureKind, type SimulateOptions } from './types.ts';

/** Roughly what a site with a few cameras and a PLC gateway produces. */
export const DEFAULT_MIX: Readonly<Record<CaptureKind, number>> = {
  image: 0.6,
  csv: 0.14,
  log: 0.12,
  json: 0.12,
  corrupt: 0.01,
  empty: 0.01,
  blob: 0,
};

export const DEFAULT_PII_SHARE = 0.1;
export const DEFAULT_MAX_IN_FLIGHT = 32;

export interface ResolvedSimulateOptions {
  to: string;
  ratePerSec: number;
  count: number;
  durationMs: number;
  subdirs: boolean;
  fixedSize: number | undefined;
  tempStyle: 'suffix' | 'dotfile';
  fsync: boolean;
  piiShare: number;
  maxInFlight: number;
  mistakeRate: number;
  /** Absolute, outside `to`; undefined: the truth is only handed to onCapture. */
  truthDir: string | undefined;
  /** Kinds with weight > 0 and their cumulative weights, for picking. */
  mix: { kind: CaptureKind; upTo: number }[];
}

function fail(field: string, problem: string, fix: string): never {
  throw new Error(`simulate: ${field} ${problem}; ${fix}`);
}

function checkCount(field: string, value: number | undefined, fix: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
    fail(field, `must be a whole number >= 0 (got ${value})`, fix);
  }
}

function resolveMix(mix: SimulateOptions['mix']): ResolvedSimulateOptions['mix'] {
  const weights = mix ?? DEFAULT_MIX;
  const out: ResolvedSimulateOptions['mix'] = [];
  let total = 0;
  for (const [kind, weight] of Object.entries(weights)) {
    if (!(CAPTURE_KINDS as readonly string[]).includes(kind)) {
      fail(`mix.${kind}`, 'is not a capture kind', `use one of ${CAPTURE_KINDS.join(', ')}`);
    }
    if (weight === undefined || weight === 0) continue;
    if (!(Number.isFinite(weight) && weight > 0)) {
      fail(`mix.${kind}`, `must be a weight >= 0 (got ${weight})`, 'give a relative weight such as 0.2 or 5');
    }
    total += weight;
    out.push({ kind: kind as CaptureKind, upTo: total });
  }
  if (total === 0)
    fail('mix', 'has no kind with a weight above 0', 'give at least one kind a weight, e.g. {image: 1}');
  return out.map((entry) => ({ kind: entry.kind, upTo: entry.upTo / total }));
}

export function resolveOptions(opts: SimulateOptions): ResolvedSimulateOptions {
  if (typeof opts.to !== 'string' || opts.to.trim() === '') {
    fail('to', 'is missing', 'give the folder to write captures into');
  }
  if (typeof opts.ratePerSec !== 'number' || Number.isNaN(opts.ratePerSec) || opts.ratePerSec <= 0) {
    fail(
      'ratePerSec',
      `must be a number above 0 (got ${opts.ratePerSec})`,
      'e.g. 10, or parseRate("600/min")',
    );
  }
  checkCount('count', opts.count, 'leave it out to run until stopped');
  if (opts.durationMs !== undefined && !(Number.isFinite(opts.durationMs) && opts.durationMs >= 0)) {
    fail(
      'durationMs',
      `must be milliseconds >= 0 (got ${opts.durationMs})`,
      'leave it out to run until stopped',
    );
  }
  checkCount('fixedSize', opts.fixedSize, 'give the exact file size in bytes, e.g. 4096');
  if (opts.tempStyle !== undefined && opts.tempStyle !== 'suffix' && opts.tempStyle !== 'dotfile') {
    fail('tempStyle', `must be "suffix" or "dotfile" (got ${JSON.stringify(opts.tempStyle)})`, 'pick one');
  }
  const piiShare = opts.piiShare ?? DEFAULT_PII_SHARE;
  if (!(piiShare >= 0 && piiShare <= 1)) {
    fail('piiShare', `must be between 0 and 1 (got ${piiShare})`, 'e.g. 0.1 for one text file in ten');
  }
  const maxInFlight = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  if (!(Number.isInteger(maxInFlight) && maxInFlight >= 1)) {
    fail('maxInFlight', `must be a whole number >= 1 (got ${maxInFlight})`, 'e.g. 32');
  }
  const mistakeRate = opts.mistakeRate ?? DEFAULT_MISTAKE_RATE;
  if (!(mistakeRate >= 0 && mistakeRate <= 1)) {
    fail(
      'mistakeRate',
      `must be between 0 and 1 (got ${mistakeRate})`,
      'e.g. 0.15 for about one object in seven',
    );
  }
  const truthDir = opts.truthDir === undefined ? undefined : resolve(opts.truthDir);
  if (truthDir !== undefined && isInside(opts.to, truthDir)) {
    fail(
      'truthDir',
      `is inside the capture folder (${truthDir})`,
      'put it outside, or the engine would capture the answers with the pictures',
    );
  }
  if (opts.runId !== undefined && !/^[a-z0-9-]{1,32}$/i.test(opts.runId)) {
    fail(
      'runId',
      `must be 1-32 letters, digits or dashes (got ${JSON.stringify(opts.runId)})`,
      'e.g. "bench-1"',
    );
  }
  return {
    to: opts.to,
    ratePerSec: opts.ratePerSec,
    count: opts.count ?? Number.POSITIVE_INFINITY,
    durationMs: opts.durationMs ?? Number.POSITIVE_INFINITY,
    subdirs: opts.subdirs ?? true,
    fixedSize: opts.fixedSize,
    tempStyle: opts.tempStyle ?? 'suffix',
    fsync: opts.fsync ?? false,
    piiShare,
    maxInFlight,
    mistakeRate,
    truthDir,
    mix: opts.fixedSize === undefined ? resolveMix(opts.mix) : [{ kind: 'blob', upTo: 1 }],
  };
}

const RATE_UNITS: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  m: 60,
  min: 60,
  minute: 60,
  h: 3600,
  hr: 3600,
  hour: 3600,
};

/** "10/s", "600/min", "36000/h", "5" (per second) or "max" (as fast as possible) → captures per second. */
export function parseRate(text: string): number {
  const trimmed = String(text).trim().toLowerCase();
  if (trimmed === 'max') return Number.POSITIVE_INFINITY;
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*(?:\/\s*([a-z]+))?$/.exec(trimmed);
  const unit = match?.[2] ?? 's';
  const perUnit = RATE_UNITS[unit];
  if (!match || perUnit === undefined) {
    throw new Error(
      `rate: cannot read ${JSON.stringify(text)}; write captures per time unit like "10/s", "600/min", ` +
        '"36000/h", a plain number (per second) or "max"',
    );
  }
  const rate = Number(match[1]) / perUnit;
  if (rate <= 0) throw new Error(`rate: ${JSON.stringify(text)} is zero; give a rate above 0, e.g. "1/s"`);
  return rate;
}
