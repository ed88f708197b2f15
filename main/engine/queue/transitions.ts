import type { FileState } from '../../../shared/status.ts';

/**
 * Which moves the state machine allows. Anything else is a bug in the caller, so the
 * queue refuses it loudly instead of silently corrupting a file's history.
 * Every state may go back to `discovered` (the file changed on disk and must be looked at again).
 */
const ALLOWED: Record<FileState, readonly FileState[]> = {
  discovered: [
    'inspected',
    'queued',
    'skipped',
    'held',
    'quarantined',
    'vanished',
    'unreadable',
    'too_large',
    'link_refused',
  ],
  inspected: ['queued', 'skipped', 'held', 'quarantined', 'vanished', 'unreadable', 'too_large'],
  queued: ['uploading', 'skipped', 'held', 'quarantined', 'vanished', 'failed', 'conflict', 'uploaded'],
  uploading: ['uploaded', 'queued', 'failed', 'quarantined', 'vanished', 'conflict', 'unreadable'],
  uploaded: ['retained', 'removed'],
  retained: ['removed'],
  removed: [],
  skipped: ['queued', 'held', 'quarantined', 'vanished'],
  held: ['queued', 'skipped', 'quarantined', 'vanished'],
  quarantined: ['queued', 'skipped', 'held', 'vanished'],
  failed: ['queued', 'uploading', 'quarantined', 'vanished', 'held', 'skipped'],
  conflict: ['queued', 'skipped', 'held', 'quarantined', 'vanished'],
  vanished: [],
  unreadable: ['quarantined', 'skipped'],
  too_large: ['quarantined', 'skipped'],
  // The link itself may be removed: nothing left to do then.
  link_refused: ['quarantined', 'skipped', 'vanished'],
};

/** States in which a file that vanished from disk no longer matters (we are done with it). */
const DONE_WITH_LOCAL_COPY: ReadonlySet<FileState> = new Set([
  'uploaded',
  'retained',
  'removed',
  'skipped',
  'vanished',
]);

export function canTransition(from: FileState, to: FileState): boolean {
  return to === 'discovered' || from === to || ALLOWED[from].includes(to);
}

export function vanishingMatters(state: FileState): boolean {
  return !DONE_WITH_LOCAL_COPY.has(state);
}
