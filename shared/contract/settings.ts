import * as v from 'valibot';
import { KEY_SOURCES } from './credentials.ts';

/** Schemas of the Settings view: the site's settings in words, bandwidth, and Test connection. */

const epochMs = v.pipe(v.number(), v.minValue(0));
const shortText = v.pipe(v.string(), v.maxLength(4096));
const name = v.pipe(v.string(), v.minLength(1), v.maxLength(200));

/** One setting as the operator reads it: "Endpoint" → "http://10.0.0.5:7480". */
export const settingFactSchema = v.object({
  label: v.string(),
  value: v.string(),
  /** Where it is written in the site file, e.g. `/destinations/1/endpoint`. */
  path: v.optional(v.string()),
});
export type SettingFact = v.InferOutput<typeof settingFactSchema>;

export const DESTINATION_TYPES = ['s3', 'filesystem', 'local'] as const;
export const CREDENTIAL_STATES = ['working', 'set', 'not set', 'failing'] as const;
export type CredentialState = (typeof CREDENTIAL_STATES)[number];

/**
 * A destination's settings the operator may change for a test (never a stored secret: a key typed
 * here is used for that one test and not kept). Credentials left out mean the saved ones of `name`.
 */
export const destinationDraftSchema = v.variant('type', [
  v.strictObject({
    type: v.literal('s3'),
    name: v.optional(name),
    endpoint: v.optional(shortText),
    region: v.optional(v.pipe(v.string(), v.maxLength(100))),
    bucket: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
    prefix: v.optional(shortText),
    forcePathStyle: v.optional(v.boolean()),
    caBundle: v.optional(shortText),
    proxy: v.optional(shortText),
    objectLock: v.optional(
      v.strictObject({
        mode: v.picklist(['GOVERNANCE', 'COMPLIANCE']),
        days: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(36_500)),
      }),
    ),
    accessKeyId: v.optional(v.pipe(v.string(), v.maxLength(200))),
    secretAccessKey: v.optional(v.pipe(v.string(), v.maxLength(200))),
  }),
  v.strictObject({ type: v.literal('filesystem'), name: v.optional(name), path: shortText }),
  v.strictObject({ type: v.literal('local'), name: v.optional(name), path: v.optional(shortText) }),
]);
export type DestinationDraft = v.InferOutput<typeof destinationDraftSchema>;

export const destinationSettingsSchema = v.object({
  name: v.string(),
  type: v.picklist(DESTINATION_TYPES),
  isDefault: v.boolean(),
  /** e.g. "s3://plant-captures/edge/ at https://…" or "folder /mnt/share". */
  label: v.string(),
  isLocalDemo: v.boolean(),
  /** The settings in words (secrets never: credentials appear in `credentials` only). */
  facts: v.array(settingFactSchema),
  /** S3 only: whether credentials are set, and whether the store accepts them. */
  credentials: v.optional(
    v.object({
      state: v.picklist(CREDENTIAL_STATES),
      words: v.string(),
      /** Where the keys in use come from (never the keys). */
      source: v.optional(v.picklist(KEY_SOURCES)),
      /** Keys are stored for this destination (Set credentials…, `edge-capture credentials set`). */
      stored: v.optional(v.boolean()),
    }),
  ),
  /** The draft the "try other settings" form starts from (no secrets). */
  draft: destinationDraftSchema,
});
export type DestinationSettings = v.InferOutput<typeof destinationSettingsSchema>;

export const bandwidthTargetSchema = v.object({
  /** Undefined: the whole site (all destinations together). */
  destination: v.optional(v.string()),
  /** As written in the site file; `off` when nothing is written. */
  saved: v.string(),
  /** Set from the UI since the engine started and in force now, when it differs from `saved`. */
  live: v.optional(v.string()),
});
export type BandwidthTarget = v.InferOutput<typeof bandwidthTargetSchema>;

export const siteSettingsSchema = v.object({
  configFile: v.optional(v.string()),
  /** The site file's revision (a hash of its text): settings.update refuses a save over a newer file. */
  revision: v.optional(v.string()),
  /** Settings can be saved into the site file. */
  editable: v.boolean(),
  readOnlyReason: v.optional(v.string()),
  folders: v.array(v.object({ id: v.string(), path: v.string(), facts: v.array(settingFactSchema) })),
  destinations: v.array(destinationSettingsSchema),
  /** The site's limit first, then each destination's. */
  bandwidth: v.array(bandwidthTargetSchema),
  upload: v.array(settingFactSchema),
  retention: v.array(settingFactSchema),
  diskGuard: v.array(settingFactSchema),
});
export type SiteSettings = v.InferOutput<typeof siteSettingsSchema>;

/** A bandwidth problem: what is wrong, how to write it, and which timetable entry it is about. */
export const bandwidthIssueSchema = v.object({
  message: v.string(),
  hint: v.string(),
  /** The entry as written ("Mon-25:00,1M"), when the problem is one entry's. */
  entry: v.optional(v.string()),
});
export type BandwidthIssue = v.InferOutput<typeof bandwidthIssueSchema>;

export const bandwidthCheckSchema = v.object({
  ok: v.boolean(),
  issues: v.array(bandwidthIssueSchema),
  /** The timetable in words, in week order: "Every day from 08:00: 512 KiB/s". */
  words: v.array(v.string()),
  /** The limit that would be in force now: "512 KiB/s" or "no limit". */
  now: v.optional(v.string()),
});
export type BandwidthCheck = v.InferOutput<typeof bandwidthCheckSchema>;

export const bandwidthSpecSchema = v.pipe(v.string(), v.maxLength(2000));

export const bandwidthSavedSchema = v.object({
  ok: v.boolean(),
  issues: v.array(bandwidthIssueSchema),
  /** Applied to the running engine (from now on). */
  applied: v.boolean(),
  /** Written into the site file (comments kept). */
  saved: v.boolean(),
  /** One sentence on what happened, for the operator. */
  message: v.string(),
});

export const CONNECTION_STEPS = [
  'settings',
  'dns',
  'tcp',
  'tls',
  'credentials',
  'bucket',
  'write',
  'delete',
  'objectLock',
  'clock',
  'exists',
  'folder',
  'writable',
  'space',
  'roundtrip',
] as const;

export const connectionStepSchema = v.object({
  step: v.picklist(CONNECTION_STEPS),
  label: v.string(),
  ok: v.boolean(),
  skipped: v.optional(v.boolean()),
  detail: v.string(),
  fix: v.optional(v.string()),
});
export type ConnectionStep = v.InferOutput<typeof connectionStepSchema>;

export const connectionTestSchema = v.object({
  target: v.string(),
  ok: v.boolean(),
  steps: v.array(connectionStepSchema),
  startedAt: epochMs,
  finishedAt: epochMs,
});
export type ConnectionTest = v.InferOutput<typeof connectionTestSchema>;
