/** Every state a captured file can be in. The queue's state machine moves files between these. */
export const FILE_STATES = [
  'discovered', // seen, complete, waiting to be inspected
  'inspected', // inspected, waiting for a decision
  'queued', // decided "upload", waiting for the uploader
  'uploading',
  'uploaded',
  'retained', // uploaded and kept locally under the retention policy
  'removed', // uploaded and removed/archived locally by retention
  'skipped', // a rule (or the duplicate policy) said not to upload
  'held', // held for review by a person
  'quarantined', // a rule or repeated failures set it aside
  'failed', // a transient failure, will be retried at next_attempt_at
  'conflict', // a different object already exists at the key
  'vanished', // the file disappeared before we were done with it
  'unreadable', // permissions or I/O errors while reading
  'too_large', // over the configured maximum size
  // A symbolic link the folder's `symlinks` setting does not allow (by default: one leading out of
  // the capture folder). Not read, so a writable capture folder cannot ship files from elsewhere.
  'link_refused',
] as const;
export type FileState = (typeof FILE_STATES)[number];

/** States that still need work from the engine; everything else is at rest. */
export const ACTIVE_STATES: readonly FileState[] = [
  'discovered',
  'inspected',
  'queued',
  'uploading',
  'failed',
];

/** States that mean something went wrong for a file: the Activity view lists them under Problems. */
export const PROBLEM_STATES: readonly FileState[] = [
  'failed',
  'quarantined',
  'conflict',
  'unreadable',
  'too_large',
  'link_refused',
  'vanished',
];

export function isFileState(value: unknown): value is FileState {
  return typeof value === 'string' && (FILE_STATES as readonly string[]).includes(value);
}

export const RULE_ACTIONS = ['upload', 'skip', 'quarantine', 'hold'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

export const DUPLICATE_POLICIES = ['skip', 'upload', 'hold'] as const;
export type DuplicatePolicy = (typeof DUPLICATE_POLICIES)[number];
