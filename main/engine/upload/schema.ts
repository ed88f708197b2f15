import {
  bool,
  durationSchema,
  objectSchema as object,
  type Schema,
  sizeSchema,
  text,
} from '../config/schema-parts.ts';

const size = (description: string): Schema => sizeSchema(description, '"16MiB", "64MB"');
const duration = (description: string): Schema => durationSchema(description, '"500ms", "30s", "5m"');

/**
 * JSON Schema (draft-07) fragments for the `destination` and `upload` config sections, plugged
 * into the main config schema. Units, bandwidth timetables and cross-field rules are checked in
 * settings.ts (uploadConfigIssues), which gives operator-worded messages.
 */

const URL_PATTERN = '^https?://\\S+$';

const count = (description: string, maximum: number): Schema => ({
  type: 'integer',
  minimum: 1,
  maximum,
  description,
});
const onConflict: Schema = {
  type: 'string',
  enum: ['report', 'suffix'],
  description:
    'A different object already at the key: report (the file waits in state conflict for a person, default) or suffix (upload as key-1, key-2…).',
};

/** Settings every destination in `destinations:` may have besides its own (name, default, key, pace). */
const common: Record<string, Schema> = {
  name: text(
    'Name of this destination, used by rules ("to: [training, archive]"), status and logs (default "default" for the single `destination`).',
    { pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
  ),
  default: bool(
    'Files whose rule has no `to:` go here (every destination marked default; when none is marked, the first one listed).',
  ),
  keyTemplate: text(
    'Object key template at this destination; wins over the rule\'s `key` and `defaultKey`, e.g. "{site}/{yyyy}/{mm}/{path}".',
    { minLength: 1 },
  ),
  bandwidth: {
    type: ['string', 'number'],
    minLength: 1,
    exclusiveMinimum: 0,
    description:
      'Bandwidth limit for this destination\'s uploads, same forms as upload.bandwidth ("off", "10M", a timetable); upload.bandwidth stays the limit for the whole site.',
  },
  concurrency: {
    type: 'integer',
    minimum: 1,
    maximum: 64,
    description: 'Files uploaded to this destination at once (default upload.concurrency).',
  },
};

const s3Destination = object(
  'An S3-compatible object store (AWS S3, IBM COS, Ceph RGW, MinIO…).',
  {
    ...common,
    type: { const: 's3', description: 'S3-compatible object store.' },
    endpoint: text('Store URL, e.g. "https://s3.eu-de.cloud-object-storage.appdomain.cloud". Omit for AWS.', {
      pattern: URL_PATTERN,
    }),
    region: text('Region, e.g. "eu-de" or "us-east-1" (default us-east-1).', { minLength: 1 }),
    bucket: text('Bucket the captures go to.', { pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$' }),
    prefix: text('Prepended to every object key, e.g. "edge/".'),
    forcePathStyle: bool(
      'Bucket in the URL path instead of the host name (default true when an endpoint is given).',
    ),
    credentials: object(
      'Explicit keys or a profile from ~/.aws/credentials. Default: the environment, then the default profile.',
      {
        accessKeyId: text('Access key id (HMAC key for IBM COS).', { minLength: 1 }),
        secretAccessKey: text(
          'Secret access key. Prefer the environment or a profile over writing it here.',
          {
            minLength: 1,
          },
        ),
        sessionToken: text('Session token for temporary credentials.', { minLength: 1 }),
        profile: text('Profile name in ~/.aws/credentials.', { minLength: 1 }),
      },
    ),
    caBundle: text('PEM file with extra CA certificates, for private endpoints.', { minLength: 1 }),
    proxy: text('HTTP(S) proxy, e.g. "http://proxy:3128" (default: HTTPS_PROXY / HTTP_PROXY).', {
      pattern: URL_PATTERN,
    }),
    storageClass: text('Storage class for new objects, e.g. "STANDARD_IA".', { minLength: 1 }),
    objectLock: object(
      'Object Lock retention for compliance data (the bucket must have Object Lock enabled).',
      {
        mode: { type: 'string', enum: ['GOVERNANCE', 'COMPLIANCE'], description: 'Retention mode.' },
        days: { type: 'integer', minimum: 1, description: 'Days each object is locked.' },
      },
      ['mode', 'days'],
    ),
    tagging: bool('Also send object tags (site, rule, PII) besides metadata (default false).'),
    onConflict,
  },
  ['type', 'bucket'],
);

const filesystemDestination = object(
  'A mounted share (Spectrum Scale, NFS, Lustre…): objects become files under a folder.',
  {
    ...common,
    type: { const: 'filesystem', description: 'Files under a mounted folder.' },
    path: text('Folder the objects are written under.', { minLength: 1 }),
    fsync: bool('Flush file and folder to disk before counting a copy as done (default true).'),
    onConflict,
  },
  ['type', 'path'],
);

const localDestination = object(
  'The embedded local store: data does not leave this machine (demo and testing).',
  {
    ...common,
    type: { const: 'local', description: 'Embedded local demo store.' },
    path: text('Folder of the local store (default <dataDir>/local-store).', { minLength: 1 }),
  },
  ['type'],
);

export const DESTINATION_SCHEMA: Schema = {
  type: 'object',
  description: 'Where uploads go. Omit to use the embedded local demo store.',
  required: ['type'],
  properties: {
    type: { type: 'string', enum: ['s3', 'filesystem', 'local'], description: 's3, filesystem or local.' },
  },
  // Lets the validator report only the problems of the branch the `type` names.
  discriminator: { propertyName: 'type' },
  oneOf: [s3Destination, filesystemDestination, localDestination],
};

/** `destinations:`, several named stores; rules choose among them with `to:`. */
export const DESTINATIONS_SCHEMA: Schema = {
  type: 'array',
  minItems: 1,
  description:
    'Several named destinations (an S3-compatible store, a filesystem share or the local store each); rules send files to one or several with `to:`. Use either this or `destination`.',
  items: {
    ...DESTINATION_SCHEMA,
    required: ['type', 'name'],
    properties: { ...(DESTINATION_SCHEMA.properties as Record<string, Schema>), name: common.name },
    description: 'A named destination.',
  },
};

export const UPLOAD_SCHEMA: Schema = object('How uploads are paced and retried.', {
  concurrency: count('Files uploaded at once (default 4).', 64),
  partConcurrency: count('Parts of one large file sent at once (default 4).', 64),
  multipartThreshold: size('Files at or above this size are sent in parts and can resume (default 64MiB).'),
  partSize: size('Size of each part, 5MiB to 5GiB (default 16MiB).'),
  maxAttempts: count('Failures that are not network trouble before a file is quarantined (default 5).', 1000),
  backoff: object('Delay before retrying a failed file: doubles each time, randomised.', {
    initial: duration('First delay (default 1s).'),
    max: duration('Longest delay (default 5m).'),
  }),
  order: {
    type: 'string',
    enum: ['oldest', 'newest'],
    description: 'Within one priority, upload the oldest captures first (default) or the newest.',
  },
  bandwidth: {
    type: ['string', 'number'],
    minLength: 1,
    exclusiveMinimum: 0,
    description:
      'Bandwidth limit for all uploads together: "off" (default), bytes per second like "512k", "10M" (1024-based), or a timetable like "08:00,512k 18:00,off" or "Mon-08:00,512k Sat-00:00,off".',
  },
  offlineProbeInterval: duration(
    'While the store is unreachable, how often to check whether it is back (default 30s).',
  ),
  requestTimeout: duration('Longest wait for one request to the store (default 2m).'),
  sidecars: bool(
    "Upload each capture's prediction sidecar (inspect.sidecarPattern) beside it, as the capture's key plus the sidecar's suffix (e.g. frame.jpg.pred.json), and delete or archive it with the capture (default true). false: sidecars stay in the capture folder.",
  ),
});
