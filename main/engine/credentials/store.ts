import * as v from 'valibot';

/**
 * S3 keys as the engine keeps them per destination (destination-store.ts). They stay in the engine's
 * process: the UI is told only whether keys are set and how they are protected, never the keys.
 */
export const s3CredentialsSchema = v.strictObject({
  accessKeyId: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  secretAccessKey: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)),
  sessionToken: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(8192))),
});
export type S3Credentials = v.InferOutput<typeof s3CredentialsSchema>;

/** A key file that is unsafe, damaged or unreadable here; the message names the file and the fix. */
export class CredentialsError extends Error {}
