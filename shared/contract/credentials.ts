import * as v from 'valibot';

/**
 * S3 keys per destination. Keys go one way only: from the UI to the engine host, which stores them
 * (`<dataDir>/credentials.json`, mode 600) and answers that they are set. No reply, event or setting
 * ever carries a key back: the UI learns only whether keys are set, where from, and (Test connection,
 * uploads) whether the store accepts them.
 */
const destinationName = v.pipe(v.string(), v.minLength(1), v.maxLength(200));

export const credentialsSetParamsSchema = v.strictObject({
  destination: destinationName,
  accessKeyId: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  secretAccessKey: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)),
  sessionToken: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(8192))),
});
export type CredentialsSetParams = v.InferOutput<typeof credentialsSetParamsSchema>;

/** Where an S3 destination's keys come from (first found wins, in this order). */
export const KEY_SOURCES = ['config', 'profile', 'stored', 'environment', 'none'] as const;
export type KeySourceName = (typeof KEY_SOURCES)[number];

export const CREDENTIALS_REQUESTS = {
  /** Stores a destination's keys; the reply says only that they are set. */
  'credentials.set': {
    params: credentialsSetParamsSchema,
    result: v.strictObject({ set: v.literal(true), destination: v.string() }),
  },
  /** Removes a destination's stored keys (those in the site file stay). */
  'credentials.clear': {
    params: v.strictObject({ destination: destinationName }),
    result: v.strictObject({ cleared: v.boolean(), destination: v.string() }),
  },
} as const;

export const CREDENTIALS_EVENTS = {
  /** Keys were stored or cleared (from any UI): Settings reads them again. Never the keys. */
  'credentials.changed': v.strictObject({ destination: v.string(), set: v.boolean() }),
} as const;
