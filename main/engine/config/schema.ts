import { SYMLINK_POLICIES } from '../../../shared/config.ts';
import { DUPLICATE_POLICIES, RULE_ACTIONS } from '../../../shared/status.ts';
import { RETENTION_OVERRIDE_SCHEMA } from '../retention/scopes.ts';
import { RETENTION_SCHEMA } from '../retention/settings.ts';
import { REVIEW_SCHEMA } from '../review/settings.ts';
import { TEMPLATE_PLACEHOLDERS } from '../rules/template.ts';
import { DESTINATION_SCHEMA, DESTINATIONS_SCHEMA, UPLOAD_SCHEMA } from '../upload/schema.ts';
import { ID_PATTERN, METADATA_NAME_PATTERN, MIME_PATTERN, TIME_PATTERN, WEEKDAYS } from './patterns.ts';
import { PII_DETECTORS } from './pii-detectors.ts';
import {
  bool,
  durationSchema as duration,
  objectSchema as object,
  type Schema,
  sizeSchema as size,
  text,
} from './schema-parts.ts';

/**
 * The published JSON Schema (draft-07) for site config files. It is also written to
 * build/config.schema.json (`node main/engine/config/write-schema.ts`) so editors can show help and
 * catch typos while an operator types. Units, cross-references and regexes are checked after the
 * schema, in resolve.ts and the rule compiler.
 */

const placeholderList = TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(' ');

const score = (description: string): Schema => ({ type: 'number', minimum: 0, maximum: 1, description });
const capCount = (description: string): Schema => ({ type: 'integer', minimum: 1, description });
const strings = (description: string, item: Schema = {}): Schema => ({
  type: 'array',
  description,
  items: { type: 'string', minLength: 1, ...item },
});
/** A single string or a list of them, as the rule language allows for folder, glob, extension… */
const oneOrMany = (description: string, item: Schema = {}): Schema => ({
  type: ['string', 'array'],
  description,
  minLength: 1,
  minItems: 1,
  ...item,
  items: { type: 'string', minLength: 1, ...item },
});
const range = (description: string, bound: (d: string) => Schema, unit: string): Schema =>
  object(description, {
    min: bound(`Smallest ${unit} that matches (inclusive).`),
    max: bound(`Largest ${unit} that matches (inclusive).`),
  });
const template = (description: string): Schema =>
  text(`${description} Placeholders: ${placeholderList}.`, { minLength: 1 });

const folderSchema = object(
  'A capture folder to watch.',
  {
    id: text('Short id used in rules, object keys and the UI. Defaults to the folder name.', {
      pattern: ID_PATTERN,
    }),
    path: text('Folder to watch. Relative paths are relative to this config file; "~/" is your home.', {
      minLength: 1,
    }),
    recursive: bool('Watch sub-folders too (default true).'),
    polling: bool('Poll instead of using file system events: needed for NFS/SMB mounts (default false).'),
    pollInterval: duration('How often to poll when polling is on (default 1s).'),
    completion: {
      type: 'string',
      enum: ['auto', 'rename', 'stable'],
      description:
        'How a file is known to be complete. auto: files renamed into place at once, others after the stable window; rename: only renamed-into-place files; stable: only after the stable window (default auto).',
    },
    stableWindow: duration('Size and modification time must stay unchanged this long (default 2s).'),
    tempSuffixes: strings('File name endings of files still being written, e.g. ".part", ".tmp".'),
    tempPrefixes: strings('File name beginnings of files still being written, e.g. "~$".'),
    ignoreDotfiles: bool('Treat files whose name starts with "." as temporary (default true).'),
    ignore: strings('Globs (relative to the folder) never picked up, e.g. "**/thumbs/**".'),
    device: text("Device name for this folder's files (camera, sensor). Defaults to the site device.", {
      pattern: ID_PATTERN,
    }),
    symlinks: {
      type: 'string',
      enum: [...SYMLINK_POLICIES],
      description:
        'Which symbolic links are captured. inside: only links whose real path stays in this folder; skip: no links; follow: any link, wherever it leads (anyone who can write here can then ship any file the service can read). Linked folders are never walked (default inside).',
    },
    retention: RETENTION_OVERRIDE_SCHEMA,
  },
  ['path'],
);

const inspectSchema = object('How files are inspected before the rules run.', {
  sidecarPattern: text(
    'Name of the predictions sidecar next to a file; {stem} is the name without extension, {name} the full name (default "{stem}.pred.json").',
    { minLength: 1 },
  ),
  maxFileSize: size('Files larger than this are not read and get state too_large (default 5GiB).'),
  pii: object('Scanning text files for personal data; findings become pii:<detector> tags.', {
    enabled: bool('Scan for personal data (default true).'),
    maxScanBytes: size('Only the first this-many bytes of a text file are scanned (default 1MiB).'),
    detectors: {
      type: 'array',
      description: `Built-in detectors to run (default all): ${PII_DETECTORS.join(', ')}.`,
      uniqueItems: true,
      items: {
        type: 'string',
        enum: [...PII_DETECTORS, ...PII_DETECTORS.map((name) => `pii:${name}`)],
        description: 'A built-in PII detector, by name or by the tag it sets.',
      },
    },
    custom: {
      type: 'array',
      description: 'Site-specific patterns, e.g. employee numbers.',
      items: object(
        'A custom personal-data pattern.',
        {
          tag: text('Tag added when the pattern is found, e.g. "pii:employee-id".', { pattern: '^\\S+$' }),
          pattern: text('JavaScript regular expression, e.g. "EMP-\\\\d{6}".', { minLength: 1 }),
          flags: text('Regular expression flags, e.g. "i" (g is always added).', { pattern: '^[dimsuvy]*$' }),
        },
        ['tag', 'pattern'],
      ),
    },
  }),
  plugins: strings('Extra inspector modules: paths relative to this config file, or package names.'),
});

const predictionSchema = object('Conditions on the model predictions sidecar.', {
  class: oneOrMany('Label(s) a prediction must have (case-insensitive). Omit for any label.'),
  score: object('Score band a prediction must fall in; all given bounds must hold.', {
    min: score('Lowest score (inclusive), 0..1.'),
    max: score('Highest score (inclusive), 0..1.'),
    near: score('Centre of a band, e.g. 0.5 for uncertain predictions; use with within.'),
    within: score('Half-width of the band around near, e.g. 0.1 for 0.4..0.6.'),
  }),
  match: {
    type: 'string',
    enum: ['any', 'all', 'none'],
    description:
      'any: some prediction matches (default); all: every prediction matches; none: no prediction matches.',
  },
  present: bool('true: the file must have a predictions sidecar; false: it must not.'),
  modelVersion: oneOrMany('Model version(s) the predictions must come from.'),
});

const whenSchema = object('Conditions that must all hold for the rule to fire. Omit to match every file.', {
  folder: oneOrMany('Capture folder id(s) the file came from.'),
  glob: oneOrMany('Glob(s) on the path relative to the capture folder, e.g. "**/*.jpg".'),
  extension: oneOrMany('File extension(s), with or without the dot, any case, e.g. "jpg".'),
  contentType: oneOrMany('MIME type(s) from the file content; wildcards like "image/*" allowed.', {
    pattern: MIME_PATTERN,
  }),
  size: range('File size range.', size, 'size'),
  age: range('File age (now minus modification time) when it is decided.', duration, 'age'),
  timeOfDay: object(
    'Local time of day the file was written (its modification time).',
    {
      from: text('Start of the window, "HH:MM" 24-hour local time (inclusive).', { pattern: TIME_PATTERN }),
      to: text('End of the window, "HH:MM" (exclusive). Earlier than from wraps past midnight.', {
        pattern: TIME_PATTERN,
      }),
      days: {
        type: 'array',
        description: 'Days the window starts on. Omit for every day.',
        uniqueItems: true,
        items: { type: 'string', enum: [...WEEKDAYS], description: 'A day of the week.' },
      },
    },
    ['from', 'to'],
  ),
  tags: object('Conditions on tags from inspection, e.g. pii:email. Patterns may end in "*".', {
    all: strings('Every pattern must match some tag.'),
    any: strings('At least one pattern must match some tag.'),
    none: strings('No pattern may match any tag.'),
  }),
  prediction: predictionSchema,
  sample: {
    type: 'number',
    minimum: 0,
    maximum: 100,
    description:
      'Percentage (0..100) of otherwise matching files to take, chosen from the content hash so the choice is stable.',
  },
});

function destinationNames(description: string): Schema {
  const name = { type: 'string', minLength: 1, description: 'A destination name from `destinations`.' };
  return {
    description,
    oneOf: [name, { type: 'array', minItems: 1, uniqueItems: true, items: name }],
  };
}

const ruleSchema = object(
  'A site rule. Rules are tried in order; the first whose conditions all hold decides the file.',
  {
    name: text('Unique rule name, shown in the UI and logs.', { minLength: 1 }),
    description: text('Free text for the people maintaining this file.'),
    when: whenSchema,
    action: {
      type: 'string',
      enum: [...RULE_ACTIONS],
      description: 'upload, skip (keep local), quarantine (set aside) or hold (wait for a person).',
    },
    reason: text('Sentence shown to operators; defaults to one built from the conditions.'),
    priority: { type: 'number', description: 'Higher uploads first (default 0).' },
    key: template('Object key template for uploads (default: defaultKey).'),
    to: destinationNames(
      'Destinations (by name) this rule uploads to; default: the destinations marked default.',
    ),
    metadata: {
      type: 'object',
      description: 'Extra object metadata; values may use the key template placeholders.',
      propertyNames: { pattern: METADATA_NAME_PATTERN },
      additionalProperties: { type: 'string', description: 'Metadata value (template).' },
    },
    rate: object('Caps on how often this rule may fire; while reached, evaluation falls through.', {
      perMinute: capCount('Most files per minute.'),
      perHour: capCount('Most files per hour.'),
      perDay: capCount('Most files per day.'),
    }),
    retention: RETENTION_OVERRIDE_SCHEMA,
  },
  ['name', 'action'],
);

export const CONFIG_SCHEMA: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Edge Capture site configuration',
  description:
    'Which folders to watch at an edge site, how to inspect files, and the rules that decide them.',
  type: 'object',
  additionalProperties: false,
  required: ['site', 'folders'],
  properties: {
    $schema: text('Path or URL of this JSON Schema, for editors.'),
    site: text('Site name, used in object keys, e.g. "plant-7".', { pattern: ID_PATTERN }),
    device: text('Name of this machine in object keys (default: the host name).', { pattern: ID_PATTERN }),
    dataDir: text('Where the queue database and logs live (default ".edge-capture" next to this file).', {
      minLength: 1,
    }),
    folders: { type: 'array', description: 'Capture folders to watch.', minItems: 1, items: folderSchema },
    reconcileInterval: duration('How often a full scan catches files whose events were missed (default 5m).'),
    inspect: inspectSchema,
    duplicates: object('What to do with a file whose content was already captured.', {
      policy: {
        type: 'string',
        enum: [...DUPLICATE_POLICIES],
        description: 'skip (default), upload again, or hold for a person.',
      },
    }),
    rules: { type: 'array', description: 'Ordered rules; the first match wins.', items: ruleSchema },
    defaultAction: object(
      'What happens when no rule matches (default: skip, keeping files local).',
      {
        action: {
          type: 'string',
          enum: [...RULE_ACTIONS],
          description: 'upload, skip, quarantine or hold.',
        },
        reason: text('Sentence shown to operators.'),
        key: template('Object key template when the default action is upload.'),
        to: destinationNames(
          'Destinations (by name) for the default upload; default: the default destinations.',
        ),
      },
      ['action'],
    ),
    defaultKey: template('Object key template used when a rule gives none.'),
    durability: {
      type: 'string',
      enum: ['full', 'normal'],
      description:
        'Queue durability: normal (default) survives process crashes and relies on idempotent uploads and rescans after power loss; full fsyncs every commit.',
    },
    destination: DESTINATION_SCHEMA,
    destinations: DESTINATIONS_SCHEMA,
    upload: UPLOAD_SCHEMA,
    retention: RETENTION_SCHEMA,
    review: REVIEW_SCHEMA,
  },
};

/** The schema as written to build/config.schema.json. */
export function configSchemaJson(): string {
  return `${JSON.stringify(CONFIG_SCHEMA, null, 2)}\n`;
}
