import type { UploadConfig } from '../../../shared/upload-config.ts';
import { parseDuration, parseSize } from '../config/units.ts';
import type { BackoffSettings } from './backoff.ts';
import { BandwidthSpecError, type BandwidthTimetable, parseBandwidth } from './bandwidth.ts';

/** The `upload` section with every default applied and every unit resolved (bytes, ms). */
export interface UploadSettings {
  concurrency: number;
  partConcurrency: number;
  multipartThreshold: number;
  partSize: number;
  maxAttempts: number;
  backoff: BackoffSettings;
  order: 'oldest' | 'newest';
  bandwidth: BandwidthTimetable;
  offlineProbeIntervalMs: number;
  requestTimeoutMs: number;
  /** Prediction sidecars travel with their captures (uploaded beside them, retained with them). */
  sidecars: boolean;
}

export interface UploadConfigIssue {
  /** JSON pointer, e.g. `/upload/partSize`. */
  path: string;
  message: string;
  hint: string;
}

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
/** S3's smallest part (except the last) and largest part. */
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * GiB;

export const UPLOAD_DEFAULTS = {
  concurrency: 4,
  partConcurrency: 4,
  multipartThreshold: 64 * MiB,
  partSize: 16 * MiB,
  maxAttempts: 5,
  backoffInitialMs: 1000,
  backoffMaxMs: 5 * 60_000,
  order: 'oldest',
  offlineProbeIntervalMs: 30_000,
  requestTimeoutMs: 2 * 60_000,
} as const;

const SIZE_HINT = 'Use bytes or a size like "16MiB" or "64MB".';
const DURATION_HINT = 'Use milliseconds or a duration like "500ms", "30s", "5m".';

/** Semantic problems in the `upload` section (shapes are the schema's job, but bad types are caught too). */
export function uploadConfigIssues(raw: UploadConfig | undefined): UploadConfigIssue[] {
  const issues: UploadConfigIssue[] = [];
  if (raw === undefined) return issues;
  const add = (field: string, message: string, hint: string) =>
    issues.push({ path: `/upload${field}`, message, hint });

  for (const [field, least, most] of [
    ['concurrency', 1, 64],
    ['partConcurrency', 1, 64],
    ['maxAttempts', 1, 1000],
  ] as const) {
    const value = raw[field];
    if (value !== undefined && !(Number.isInteger(value) && value >= least && value <= most)) {
      add(
        `/${field}`,
        `${JSON.stringify(value)} is not a whole number from ${least} to ${most}.`,
        `Set ${field} to e.g. ${UPLOAD_DEFAULTS[field]}.`,
      );
    }
  }

  const partSize = checkSize(raw.partSize, '/partSize', add);
  if (partSize !== undefined && (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE)) {
    add(
      '/partSize',
      `${JSON.stringify(raw.partSize)} is outside what S3 accepts for a part (5MiB to 5GiB).`,
      'Use e.g. "16MiB".',
    );
  }
  // Any threshold works: a file below the part size simply goes up as a single (last) part.
  checkSize(raw.multipartThreshold, '/multipartThreshold', add);

  const initial = checkDuration(raw.backoff?.initial, '/backoff/initial', add, 1);
  const max = checkDuration(raw.backoff?.max, '/backoff/max', add, 1);
  if ((initial ?? UPLOAD_DEFAULTS.backoffInitialMs) > (max ?? UPLOAD_DEFAULTS.backoffMaxMs)) {
    add(
      '/backoff/initial',
      'The first retry delay is longer than the longest one (backoff.max).',
      'Make backoff.initial at most backoff.max, e.g. initial "1s", max "5m".',
    );
  }
  checkDuration(raw.offlineProbeInterval, '/offlineProbeInterval', add, 10);
  checkDuration(raw.requestTimeout, '/requestTimeout', add, 100);

  if (raw.order !== undefined && raw.order !== 'oldest' && raw.order !== 'newest') {
    add(
      '/order',
      `${JSON.stringify(raw.order)} is not an upload order.`,
      'Use "oldest" (default) or "newest".',
    );
  }
  if (raw.bandwidth !== undefined) {
    try {
      parseBandwidth(raw.bandwidth);
    } catch (error) {
      if (!(error instanceof BandwidthSpecError)) throw error;
      add('/bandwidth', error.message, error.hint);
    }
  }
  return issues;
}

/** Applies defaults and resolves units. Throws an Error listing every issue when the section is invalid. */
export function resolveUploadSettings(raw: UploadConfig | undefined): UploadSettings {
  const issues = uploadConfigIssues(raw);
  if (issues.length > 0) {
    throw new Error(
      `Invalid upload settings:\n${issues.map((issue) => `  ${issue.path}: ${issue.message} ${issue.hint}`).join('\n')}`,
    );
  }
  const config = raw ?? {};
  return {
    concurrency: config.concurrency ?? UPLOAD_DEFAULTS.concurrency,
    partConcurrency: config.partConcurrency ?? UPLOAD_DEFAULTS.partConcurrency,
    multipartThreshold: parseSize(config.multipartThreshold) ?? UPLOAD_DEFAULTS.multipartThreshold,
    partSize: parseSize(config.partSize) ?? UPLOAD_DEFAULTS.partSize,
    maxAttempts: config.maxAttempts ?? UPLOAD_DEFAULTS.maxAttempts,
    backoff: {
      initialMs: parseDuration(config.backoff?.initial) ?? UPLOAD_DEFAULTS.backoffInitialMs,
      maxMs: parseDuration(config.backoff?.max) ?? UPLOAD_DEFAULTS.backoffMaxMs,
    },
    order: config.order ?? UPLOAD_DEFAULTS.order,
    bandwidth: parseBandwidth(config.bandwidth),
    offlineProbeIntervalMs:
      parseDuration(config.offlineProbeInterval) ?? UPLOAD_DEFAULTS.offlineProbeIntervalMs,
    requestTimeoutMs: parseDuration(config.requestTimeout) ?? UPLOAD_DEFAULTS.requestTimeoutMs,
    sidecars: config.sidecars ?? true,
  };
}

type Add = (field: string, message: string, hint: string) => void;

function checkSize(value: unknown, field: string, add: Add): number | undefined {
  if (value === undefined) return undefined;
  const bytes = parseSize(value);
  if (bytes === undefined) add(field, `${JSON.stringify(value)} is not a size.`, SIZE_HINT);
  return bytes;
}

/** `leastMs` keeps timers from spinning on a typo like "0s". */
function checkDuration(value: unknown, field: string, add: Add, leastMs: number): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) {
    add(field, `${JSON.stringify(value)} is not a duration.`, DURATION_HINT);
    return undefined;
  }
  if (ms < leastMs) {
    add(field, `${JSON.stringify(value)} is too short (at least ${leastMs} ms).`, DURATION_HINT);
    return undefined;
  }
  return ms;
}
