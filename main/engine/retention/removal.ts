import path from 'node:path';
import type { FileState } from '../../../shared/status.ts';
import { formatBytes } from '../config/units.ts';
import type { CaptureQueue } from '../queue/queue.ts';
import type { FilePatch, FileRecord } from '../queue/types.ts';
import { type CopyOutcome, deleteIfUnchanged, errorText, moveIfUnchanged } from './local-copy.ts';
import { moveSidecarWith, type SidecarStep } from './sidecar-copy.ts';

/**
 * Queue-aware removals: each one re-reads the record, refuses files whose state does not allow it,
 * checks the file on disk is still the recorded version, acts, and records what it did and why.
 */

/** `reason` of a file whose local copy now lives in the archive (for people; the path is in archived_path). */
export const ARCHIVED_REASON_PREFIX = 'Archived to ';

/** Confirmed uploads: the only local copies retention may delete without an explicit opt-in. */
export const UPLOADED_STATES: readonly FileState[] = ['uploaded', 'retained'];

/**
 * Not uploaded, and not in someone else's hands (inspection, an upload in flight): what the disk
 * guard may delete under whenFull "delete-oldest".
 */
export const UNUPLOADED_DELETABLE: readonly FileState[] = [
  'queued',
  'failed',
  'held',
  'skipped',
  'quarantined',
  'conflict',
  'unreadable',
  'too_large',
];

export interface Removal {
  fileId: number;
  folderId: string;
  relPath: string;
  /** State before the removal. */
  from: FileState;
  outcome: 'deleted' | 'archived' | 'gone' | 'changed' | 'failed';
  /** Bytes no longer on the disk that held the file (0 unless deleted or archived). */
  freedBytes: number;
  detail: string;
}

/** One operation per file at a time: the uploader's afterUpload, the sweep and the disk guard may race. */
export class FileLocks {
  private readonly busy = new Set<number>();

  /** Someone is working on this file right now. */
  has(id: number): boolean {
    return this.busy.has(id);
  }

  /** Runs fn unless the file is already being worked on (then returns undefined). */
  async run<T>(id: number, fn: () => Promise<T>): Promise<T | undefined> {
    if (this.busy.has(id)) return undefined;
    this.busy.add(id);
    try {
      return await fn();
    } finally {
      this.busy.delete(id);
    }
  }
}

export function archivedPathOf(record: FileRecord): string | undefined {
  return record.state === 'removed' ? record.archivedPath : undefined;
}

function removal(record: FileRecord, outcome: Removal['outcome'], detail: string, freedBytes = 0): Removal {
  const { id: fileId, folderId, relPath, state: from } = record;
  return { fileId, folderId, relPath, from, outcome, freedBytes, detail };
}

/** Deletes the local copy of a confirmed upload and marks it `removed`. */
export async function deleteUploadedCopy(
  queue: CaptureQueue,
  id: number,
  why: string,
): Promise<Removal | undefined> {
  const record = queue.get(id);
  if (!record || !UPLOADED_STATES.includes(record.state)) return undefined;
  return settle(
    queue,
    record,
    () => deleteIfUnchanged(record.absPath, record),
    {
      done: () => ({
        reason: `Deleted locally after upload: ${why}`,
        detail: `Deleted the local copy ${record.absPath} (${formatBytes(record.size)}, uploaded): ${why}`,
      }),
      ...uploadedCopyOutcomes(record, why),
    },
    'deleted',
    { kind: 'delete' },
  );
}

/** Moves the local copy of a confirmed upload to archiveDir/<folder>/<path> and marks it `removed`. */
export async function archiveUploadedCopy(
  queue: CaptureQueue,
  id: number,
  archiveDir: string,
  why: string,
): Promise<Removal | undefined> {
  const record = queue.get(id);
  if (!record || !UPLOADED_STATES.includes(record.state)) return undefined;
  const wanted = path.resolve(archiveDir, record.folderId, record.relPath);
  if (path.relative(archiveDir, wanted).startsWith('..')) {
    return fail(
      queue,
      record,
      `Could not archive ${record.absPath}: its path "${record.relPath}" leads outside the archive folder`,
    );
  }
  let target = wanted;
  return settle(
    queue,
    record,
    async () => {
      const outcome = await moveIfUnchanged(record.absPath, wanted, record);
      if (outcome.kind === 'done' && outcome.target) target = outcome.target;
      return outcome;
    },
    {
      done: () => ({
        reason: `${ARCHIVED_REASON_PREFIX}${target}`,
        detail: `Archived ${record.absPath} (${formatBytes(record.size)}, uploaded) to ${target}: ${why}`,
        patch: { archivedPath: target },
      }),
      ...uploadedCopyOutcomes(record, why),
    },
    'archived',
    { kind: 'archive', archiveDir },
  );
}

function uploadedCopyOutcomes(record: FileRecord, why: string) {
  return {
    gone: () => ({
      reason: 'Local copy was already gone after upload',
      detail: `${record.absPath} was already gone from disk when retention came to remove it (${why}); nothing to do`,
    }),
    changed: (change: string) => ({
      reason: 'Local copy left in place: it changed after upload',
      detail: `Did not remove ${record.absPath}: ${change} since it was uploaded, so it is not the uploaded file any more. It stays on disk and is captured again as a new version. (Was going to: ${why})`,
    }),
  };
}

/** Deletes an archived copy (keepFor expired, or the disk guard needs the space). The record stays `removed`. */
export async function deleteArchivedCopy(
  queue: CaptureQueue,
  id: number,
  why: string,
): Promise<Removal | undefined> {
  const record = queue.get(id);
  const archived = record && archivedPathOf(record);
  if (!record || !archived) return undefined;
  // Whatever happens, the archived copy is no longer ours to manage afterwards.
  const patch: FilePatch = { archivedPath: null };
  return settle(
    queue,
    record,
    () => deleteIfUnchanged(archived, record),
    {
      done: () => ({
        reason: `Archived copy deleted: ${why}`,
        detail: `Deleted the archived copy ${archived} (${formatBytes(record.size)}, uploaded): ${why}`,
        patch,
      }),
      gone: () => ({
        reason: 'Archived copy was already gone',
        detail: `The archived copy ${archived} was already gone when retention came to delete it (${why}); nothing to do`,
        patch,
      }),
      changed: (change: string) => ({
        reason: `Archived copy at ${archived} left in place: it changed after archiving`,
        detail: `Did not delete the archived copy ${archived}: ${change}, so it is not the uploaded file. It is left alone from now on. (Was going to: ${why})`,
        patch,
      }),
    },
    'deleted',
    { kind: 'delete-archived' },
  );
}

/**
 * Deletes a file that was NOT uploaded (whenFull "delete-oldest" only) and marks it `vanished`,
 * the state for captures whose local file is gone without an upload.
 */
export async function deleteUnuploadedFile(
  queue: CaptureQueue,
  id: number,
  why: string,
): Promise<Removal | undefined> {
  const record = queue.get(id);
  if (!record || !UNUPLOADED_DELETABLE.includes(record.state)) return undefined;
  const outcome = await attempt(() => deleteIfUnchanged(record.absPath, record));
  if (outcome instanceof Error)
    return fail(queue, record, `Could not delete ${record.absPath}: ${errorText(outcome)}`);
  if (outcome.kind === 'changed') {
    // Not the file we know any more: the watcher brings the new version in, and the next check decides again.
    const message = `Did not delete ${record.absPath} to free space: ${outcome.change}; it is captured again as a new version`;
    return fail(queue, record, message, 'changed');
  }
  const deleted = outcome.kind === 'done';
  const detail = deleted
    ? `DELETED WITHOUT UPLOAD: ${record.absPath} (${formatBytes(record.size)}, was ${record.state}) — ${why}`
    : `${record.absPath} was already gone when the disk guard came to delete it (${why})`;
  queue.transaction(() => {
    // unreadable and too_large may only move on through `skipped`.
    if (record.state === 'unreadable' || record.state === 'too_large') {
      queue.transition(id, 'skipped', {}, 'Set aside by the disk guard for deletion');
    }
    queue.transition(
      id,
      'vanished',
      { reason: deleted ? 'Deleted WITHOUT upload by the disk guard' : 'Gone from disk' },
      detail,
    );
  });
  return removal(record, deleted ? 'deleted' : 'gone', detail, deleted ? record.size : 0);
}

interface Wording {
  reason: string;
  detail: string;
  patch?: FilePatch;
}

/**
 * Runs the file operation, then records its outcome as a move to `removed`. When the capture is
 * gone from where it was, its uploaded sidecar follows it (`sidecarStep`), in the same record.
 */
async function settle(
  queue: CaptureQueue,
  record: FileRecord,
  act: () => Promise<CopyOutcome>,
  words: { done: () => Wording; gone: () => Wording; changed: (change: string) => Wording },
  doneOutcome: 'deleted' | 'archived',
  sidecarStep: SidecarStep,
): Promise<Removal> {
  const outcome = await attempt(act);
  if (outcome instanceof Error) {
    return fail(
      queue,
      record,
      `Could not remove ${record.absPath}: ${errorText(outcome)}; will try again later`,
    );
  }
  const wording =
    outcome.kind === 'done'
      ? words.done()
      : outcome.kind === 'gone'
        ? words.gone()
        : words.changed(outcome.change);
  const sidecar = outcome.kind === 'changed' ? undefined : await moveSidecarWith(record, sidecarStep);
  const detail = `${wording.detail}${sidecar?.note ?? ''}`;
  const patch: FilePatch = { reason: wording.reason, lastError: null, ...wording.patch, ...sidecar?.patch };
  queue.transition(record.id, 'removed', patch, detail);
  if (outcome.kind === 'done') return removal(record, doneOutcome, detail, record.size);
  return removal(record, outcome.kind, detail);
}

async function attempt(act: () => Promise<CopyOutcome>): Promise<CopyOutcome | Error> {
  try {
    return await act();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** Records a failure once (not on every retry, so the log does not fill up with the same line). */
function fail(
  queue: CaptureQueue,
  record: FileRecord,
  message: string,
  outcome: 'failed' | 'changed' = 'failed',
): Removal {
  if (record.lastError !== message)
    queue.transition(record.id, record.state, { lastError: message }, message);
  return removal(record, outcome, message);
}
