import type { FieldSpec } from './edits.ts';

/**
 * The fields of each Settings section, in operator words, with the unit and the default the engine
 * uses when nothing is written (the names and defaults are the site file's: README "Configuration
 * reference", main/engine/config/schema.ts, main/engine/upload/schema.ts).
 */

const SIZE = 'size, e.g. 64M';
const DURATION = 'time, e.g. 30s, 5m, 7d';

export const UPLOAD_FIELDS: readonly FieldSpec[] = [
  { key: 'concurrency', label: 'Files at once', kind: 'count', unit: 'files (1–64)', placeholder: '4' },
  {
    key: 'partConcurrency',
    label: 'Parts of one file at once',
    kind: 'count',
    unit: 'parts (1–64)',
    placeholder: '4',
  },
  {
    key: 'multipartThreshold',
    label: 'Send in parts from',
    kind: 'size',
    unit: SIZE,
    placeholder: '64MiB',
    hint: 'Files this size or larger go in parts and can resume.',
  },
  { key: 'partSize', label: 'Part size', kind: 'size', unit: '5MiB to 5GiB', placeholder: '16MiB' },
  {
    key: 'maxAttempts',
    label: 'Attempts before quarantine',
    kind: 'count',
    unit: 'attempts',
    placeholder: '5',
    hint: 'Failures that are not network trouble.',
  },
  {
    key: 'backoff/initial',
    label: 'First wait after a failure',
    kind: 'duration',
    unit: DURATION,
    placeholder: '1s',
    hint: 'Each further failure doubles the wait (randomised, so sites do not retry in step).',
  },
  {
    key: 'backoff/max',
    label: 'Longest wait between attempts',
    kind: 'duration',
    unit: DURATION,
    placeholder: '5m',
  },
  {
    key: 'order',
    label: 'Upload order',
    kind: 'choice',
    choices: [
      { value: '', label: 'oldest first (default)' },
      { value: 'newest', label: 'newest first' },
      { value: 'oldest', label: 'oldest first' },
    ],
  },
  {
    key: 'offlineProbeInterval',
    label: 'Offline check every',
    kind: 'duration',
    unit: DURATION,
    placeholder: '30s',
    hint: 'While a store is unreachable, how often to check it is back.',
  },
  { key: 'requestTimeout', label: 'Request timeout', kind: 'duration', unit: DURATION, placeholder: '2m' },
  {
    key: 'sidecars',
    label: 'Upload prediction sidecars beside their captures',
    kind: 'flag',
    defaultOn: true,
  },
];

/** What happens to a local copy after upload (the site's retention, or a folder's own). */
const AFTER_UPLOAD = [
  { value: 'keep', label: 'keep the local copy' },
  { value: 'delete', label: 'delete the local copy' },
  { value: 'archive', label: 'move it to the archive folder' },
] as const;

export const RETENTION_FIELDS: readonly FieldSpec[] = [
  {
    key: 'afterUpload',
    label: 'After upload',
    kind: 'choice',
    choices: [{ value: '', label: 'keep the local copy (default)' }, ...AFTER_UPLOAD],
  },
  {
    key: 'keepFor',
    label: 'Keep local copies for',
    kind: 'duration',
    unit: DURATION,
    placeholder: 'for good',
    hint: 'Kept or archived copies older than this are deleted.',
  },
  {
    key: 'archiveDir',
    label: 'Archive folder',
    kind: 'text',
    placeholder: '<data folder>/archive',
  },
  {
    key: 'diskGuard/maxBytes',
    label: 'Most the capture folders may hold',
    kind: 'size',
    unit: 'size, e.g. 200GiB',
    placeholder: 'no limit',
  },
  {
    key: 'diskGuard/minFreeBytes',
    label: 'Least free space to keep',
    kind: 'size',
    unit: 'size, e.g. 20GiB',
    placeholder: 'no limit',
  },
  {
    key: 'diskGuard/checkInterval',
    label: 'Check the disk every',
    kind: 'duration',
    unit: DURATION,
    placeholder: '1m',
  },
  {
    key: 'diskGuard/whenFull',
    label: 'When still full',
    kind: 'choice',
    hint: 'After uploaded files are gone and the disk is still too full.',
    choices: [
      { value: '', label: 'pause capture (default)' },
      { value: 'pause', label: 'pause capture (new files wait on disk)' },
      { value: 'drop-newest', label: 'drop new captures' },
      { value: 'delete-oldest', label: 'delete oldest, even NOT uploaded' },
    ],
  },
];

/** A capture folder's fields; `id` is only asked for a new folder (rules and keys name it). */
export const FOLDER_ID_FIELD: FieldSpec = {
  key: 'id',
  label: 'Folder id',
  kind: 'text',
  placeholder: 'the folder name',
  hint: 'Short name used in rules and object keys: letters, digits, - and _.',
};

export const FOLDER_FIELDS: readonly FieldSpec[] = [
  {
    key: 'path',
    label: 'Folder',
    kind: 'text',
    placeholder: '/data/captures',
    hint: 'Relative paths are relative to the site file.',
  },
  { key: 'recursive', label: 'Watch subfolders too', kind: 'flag', defaultOn: true },
  {
    key: 'completion',
    label: 'A file is complete when',
    kind: 'choice',
    choices: [
      { value: '', label: 'renamed in or unchanged (default)' },
      { value: 'auto', label: 'renamed into place, or unchanged for a while' },
      { value: 'rename', label: 'renamed into place only' },
      { value: 'stable', label: 'unchanged for a while only' },
    ],
  },
  {
    key: 'stableWindow',
    label: 'Unchanged for',
    kind: 'duration',
    unit: DURATION,
    placeholder: '2s',
  },
  {
    key: 'polling',
    label: 'Poll the folder (network shares: NFS, SMB)',
    kind: 'flag',
    defaultOn: false,
  },
  { key: 'pollInterval', label: 'Poll every', kind: 'duration', unit: DURATION, placeholder: '1s' },
  { key: 'device', label: 'Device name', kind: 'text', placeholder: "the site's device" },
  {
    key: 'symlinks',
    label: 'Symbolic links',
    kind: 'choice',
    choices: [
      { value: '', label: 'staying in the folder (default)' },
      { value: 'inside', label: 'only those staying in the folder' },
      { value: 'skip', label: 'never' },
      { value: 'follow', label: 'any, wherever they lead' },
    ],
  },
  {
    key: 'retention/afterUpload',
    label: 'After upload, this folder’s files',
    kind: 'choice',
    choices: [{ value: '', label: 'as the site’s retention (default)' }, ...AFTER_UPLOAD],
    hint: 'Overrides the site’s retention for this folder; a rule’s own retention wins over both.',
  },
  {
    key: 'retention/keepFor',
    label: 'Keep this folder’s local copies for',
    kind: 'duration',
    unit: DURATION,
    placeholder: 'as the site',
  },
];

export const DESTINATION_TYPES = [
  { value: 's3', label: 'S3-compatible object store' },
  { value: 'filesystem', label: 'folder (mounted share)' },
  { value: 'local', label: 'local store on this machine' },
] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number]['value'];

export const DESTINATION_TYPE_FIELD: FieldSpec = {
  key: 'type',
  label: 'Type',
  kind: 'choice',
  choices: DESTINATION_TYPES,
};

export const DESTINATION_NAME_FIELD: FieldSpec = {
  key: 'name',
  label: 'Name',
  kind: 'text',
  placeholder: 'archive',
  hint: 'Rules send files here with "to:". Letters, digits, ., - and _.',
};

const ON_CONFLICT: FieldSpec = {
  key: 'onConflict',
  label: 'Name already taken by another object',
  kind: 'choice',
  choices: [
    { value: '', label: 'report it (default)' },
    { value: 'report', label: 'report it (the file waits for a person)' },
    { value: 'suffix', label: 'upload as name-1, name-2, …' },
  ],
};

const COMMON: readonly FieldSpec[] = [
  {
    key: 'keyTemplate',
    label: 'Key template',
    kind: 'text',
    placeholder: "the rule's key, else the site's",
    hint: 'e.g. {site}/{yyyy}/{mm}/{path}',
  },
  {
    key: 'concurrency',
    label: 'Files at once',
    kind: 'count',
    unit: 'files (1–64)',
    placeholder: "the site's",
  },
  {
    key: 'default',
    label: 'Marked default (rules without "to:" send here)',
    kind: 'flag',
    hint: 'When none is marked, the first one listed is the default.',
  },
];

/** Object Lock: the mode (off = none written) and the days, sent together as one object. */
export const OBJECT_LOCK_MODE: FieldSpec = {
  key: 'objectLock/mode',
  label: 'Object Lock',
  kind: 'choice',
  hint: 'The bucket must have Object Lock enabled.',
  choices: [
    { value: '', label: 'off' },
    { value: 'GOVERNANCE', label: 'governance (admins may lift it)' },
    { value: 'COMPLIANCE', label: 'compliance (nobody may delete early)' },
  ],
};
export const OBJECT_LOCK_DAYS: FieldSpec = {
  key: 'objectLock/days',
  label: 'Locked for',
  kind: 'count',
  unit: 'days',
};

export const S3_FIELDS: readonly FieldSpec[] = [
  {
    key: 'endpoint',
    label: 'Endpoint',
    kind: 'text',
    placeholder: 'https://s3.example.com (empty: AWS)',
  },
  { key: 'bucket', label: 'Bucket', kind: 'text' },
  { key: 'region', label: 'Region', kind: 'text', placeholder: 'us-east-1' },
  {
    key: 'forcePathStyle',
    label: 'Addressing',
    kind: 'yesNo',
    choices: [
      { value: '', label: 'automatic (default)' },
      { value: 'yes', label: 'path style (bucket in the path)' },
      { value: 'no', label: 'virtual-hosted (bucket in the host name)' },
    ],
  },
  { key: 'prefix', label: 'Prefix', kind: 'text', placeholder: 'none', hint: 'Before every key, e.g. edge/' },
  ...COMMON,
  { key: 'caBundle', label: 'CA bundle', kind: 'text', placeholder: "this machine's trusted CAs" },
  {
    key: 'proxy',
    label: 'Proxy',
    kind: 'text',
    placeholder: 'from HTTPS_PROXY, else direct',
    hint: 'e.g. http://proxy:3128',
  },
  OBJECT_LOCK_MODE,
  OBJECT_LOCK_DAYS,
  { key: 'storageClass', label: 'Storage class', kind: 'text', placeholder: "the bucket's" },
  { key: 'tagging', label: 'Send object tags (site, rule, PII)', kind: 'flag' },
  ON_CONFLICT,
];

export const FILESYSTEM_FIELDS: readonly FieldSpec[] = [
  { key: 'path', label: 'Folder', kind: 'text', placeholder: '/mnt/share/edge' },
  ...COMMON,
  { key: 'fsync', label: 'Sync every copy to disk before it counts', kind: 'flag', defaultOn: true },
  ON_CONFLICT,
];

export const LOCAL_FIELDS: readonly FieldSpec[] = [
  { key: 'path', label: 'Folder', kind: 'text', placeholder: '<data folder>/local-store' },
  ...COMMON,
];

export function destinationFields(type: string): readonly FieldSpec[] {
  return type === 's3' ? S3_FIELDS : type === 'filesystem' ? FILESYSTEM_FIELDS : LOCAL_FIELDS;
}
