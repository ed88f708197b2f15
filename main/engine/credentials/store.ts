import * as v from 'valibot';

/**
 * S3 keys for the engine, kept by the main process (desktop) or the headless host, never by the page:
 * the UI is told only whether keys are set and how they are protected. The engine host process gets
 * them as AWS_* variables in its environment (the SDK's default chain), never in a file it writes.
 */
export const s3CredentialsSchema = v.strictObject({
  accessKeyId: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  secretAccessKey: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)),
  sessionToken: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(8192))),
});
export type S3Credentials = v.InferOutput<typeof s3CredentialsSchema>;

export interface CredentialsStatus {
  set: boolean;
  /** How they are kept, in operator words (e.g. "encrypted with the OS keyring (gnome_libsecret)"). */
  protection: string;
}

export interface CredentialsStore {
  read(): Promise<S3Credentials | undefined>;
  write(credentials: S3Credentials): Promise<void>;
  clear(): Promise<void>;
  /** What the UI may know: set or not, and how they are kept. Never the keys. */
  status(): Promise<CredentialsStatus>;
}

export class CredentialsError extends Error {}

export function parseCredentials(json: string, where: string): S3Credentials {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new CredentialsError(`${where} is not valid JSON; remove it and enter the keys again.`);
  }
  const checked = v.safeParse(s3CredentialsSchema, value);
  if (!checked.success) {
    throw new CredentialsError(`${where} does not hold S3 keys; remove it and enter the keys again.`);
  }
  return checked.output;
}

/** The engine host's environment additions: the AWS SDK's default credential chain reads these. */
export function credentialsEnv(credentials: S3Credentials | undefined): Record<string, string> {
  if (!credentials) return {};
  return {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
  };
}
