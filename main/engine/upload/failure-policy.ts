import { formatDuration } from '../config/units.ts';
import type { FilePatch } from '../queue/types.ts';
import { retryDelay } from './backoff.ts';
import type { UploadSettings } from './settings.ts';
import type { UploadError, UploadErrorKind } from './types.ts';

/**
 * What a failed upload does to its file. The `attempts` column counts only failures that
 * are the file's (or the request's) fault: bad_request, integrity, and auth/permission/
 * not_found that a probe showed to be specific to this file. Those decide quarantine, and the
 * operator reads them as "attempt 2 of 5". Network trouble (offline) and a busy store
 * (throttled, server) never count: a week-long outage must not quarantine a whole queue. Their
 * tries are still in the file's history (each is a logged state change with the error), and
 * their backoff grows with a per-file streak the uploader keeps in memory.
 */
export type FailureOutcome =
  | { to: 'failed' | 'quarantined'; patch: FilePatch; detail: string }
  | { to: 'conflict' | 'vanished' | 'unreadable'; patch: FilePatch; detail: string }
  | { to: 'revisit'; detail: string };

/** Failures a file cannot cause: the store is busy or failing, or has no room. */
const BUSY_WORDS: Partial<Record<UploadErrorKind, string>> = {
  throttled: 'store busy',
  server: 'store error',
  full: 'destination full',
};

/** A busy store's failure: retried after a backoff, never counted against the file. */
export function isBusyStore(error: UploadError): boolean {
  return BUSY_WORDS[error.kind] !== undefined;
}

/** Kinds that are never the destination's as a whole: the file itself changed, vanished or clashed. */
const FILE_ONLY_KINDS: ReadonlySet<UploadErrorKind> = new Set([
  'conflict',
  'source_changed',
  'source_vanished',
  'source_unreadable',
]);

/**
 * Whether a probe should decide if this failure is the destination's: anything but the file's
 * own trouble and a merely busy store. A failure the probe hits too would hit every file, so
 * it pauses uploads rather than counting toward (and quarantining) every file in turn.
 */
export function mayBeDestinationWide(error: UploadError): boolean {
  return !FILE_ONLY_KINDS.has(error.kind) && error.kind !== 'throttled' && error.kind !== 'server';
}

/** Throttled, 5xx or full: retry after a backoff that grows with the streak, without counting an attempt. */
export function busyStoreOutcome(
  error: UploadError,
  streak: number,
  settings: UploadSettings,
  now: number,
  random: () => number,
): FailureOutcome {
  const delay = retryDelay(streak, settings.backoff, { retryAfterMs: error.retryAfterMs, random });
  return {
    to: 'failed',
    patch: { lastError: error.message, nextAttemptAt: now + delay },
    detail: `${BUSY_WORDS[error.kind] ?? 'store error'}: ${error.message}; retrying in ${formatDuration(delay)}`,
  };
}

/** A failure that counts toward quarantine. */
export function countedOutcome(
  error: UploadError,
  previousAttempts: number,
  settings: UploadSettings,
  now: number,
  random: () => number,
): FailureOutcome {
  const attempts = previousAttempts + 1;
  if (attempts >= settings.maxAttempts) {
    return {
      to: 'quarantined',
      // Parts of a quarantined file are not resumed; the orphan sweep aborts them at the store.
      patch: {
        attempts,
        reason: `Upload failed ${attempts} times; last error (${error.kind}): ${error.message}`,
        lastError: error.message,
        nextAttemptAt: null,
        upload: null,
      },
      detail: `upload failed ${attempts} times (${error.kind}): ${error.message}; set aside so the rest of the queue moves on`,
    };
  }
  const delay = retryDelay(attempts, settings.backoff, { retryAfterMs: error.retryAfterMs, random });
  const patch: FilePatch = { attempts, lastError: error.message, nextAttemptAt: now + delay };
  // Parts the store says do not add up are not worth resuming.
  if (error.kind === 'integrity') patch.upload = null;
  return {
    to: 'failed',
    patch,
    detail: `attempt ${attempts} of ${settings.maxAttempts} failed (${error.kind}): ${error.message}; retrying in ${formatDuration(delay)}`,
  };
}

/** Failures that say something about the file itself rather than the store. */
export function sourceOutcome(error: UploadError): FailureOutcome | undefined {
  switch (error.kind) {
    case 'conflict':
      return {
        to: 'conflict',
        patch: { reason: error.message, lastError: error.message, upload: null, nextAttemptAt: null },
        detail: error.message,
      };
    case 'source_changed':
      return { to: 'revisit', detail: 'changed while uploading; looking at it again' };
    case 'source_vanished':
      return {
        to: 'vanished',
        patch: {
          reason: 'The file disappeared from the capture folder while it was being uploaded',
          upload: null,
        },
        detail: error.message,
      };
    case 'source_unreadable':
      return {
        to: 'unreadable',
        patch: { reason: error.message, lastError: error.message, upload: null },
        detail: error.message,
      };
    default:
      return undefined;
  }
}
