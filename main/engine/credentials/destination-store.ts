import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { readOwnerOnly, writeOwnerOnly } from './owner-only-file.ts';
import { CredentialsError, type S3Credentials, s3CredentialsSchema } from './store.ts';

/**
 * S3 keys per destination, kept by the engine's host (CLI `edge-capture credentials set`, or the UI's
 * "Set credentials…" through the engine host) in `<dataDir>/credentials.json`, a file only the owner
 * can read (mode 600, written to a temporary file and renamed; refused when loosened, a link, or
 * someone else's). Not encrypted: the protection is the file system's.
 *
 * Which keys an S3 destination uses, first found wins:
 *   1. `credentials.accessKeyId` / `secretAccessKey` in the site file,
 *   2. `credentials.profile` in the site file (~/.aws/credentials),
 *   3. the keys stored here for the destination's name,
 *   4. the SDK's default chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, then the default profile, …
 *
 * The engine reads this file when it signs a request (re-read only when the file changed), so keys set
 * or cleared while it runs count from its next request to the store; no restart needed.
 * The keys are never logged, never in status, heartbeat or any reply to the UI.
 */
export const CREDENTIALS_FILE = 'credentials.json';

const fileSchema = v.strictObject({
  version: v.literal(1),
  destinations: v.record(v.pipe(v.string(), v.minLength(1)), s3CredentialsSchema),
});
type CredentialsFile = v.InferOutput<typeof fileSchema>;

export function credentialsFilePath(dataDir: string): string {
  return join(dataDir, CREDENTIALS_FILE);
}

export class DestinationCredentials {
  readonly path: string;
  private cache: { stamp: string; file: CredentialsFile } | undefined;

  constructor(dataDir: string) {
    this.path = credentialsFilePath(dataDir);
  }

  private async load(): Promise<CredentialsFile> {
    const info = await lstat(this.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!info) {
      this.cache = undefined;
      return { version: 1, destinations: {} };
    }
    // Unchanged file (same inode, size, time and mode): the keys read last time.
    const stamp = `${info.ino}:${info.size}:${info.mtimeMs}:${info.mode}:${info.uid}`;
    if (this.cache?.stamp === stamp) return this.cache.file;
    const bytes = await readOwnerOnly(this.path);
    if (bytes === undefined) return { version: 1, destinations: {} };
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new CredentialsError(
        `${this.path} is not valid JSON; remove it and set the keys again (edge-capture credentials set).`,
      );
    }
    const checked = v.safeParse(fileSchema, value);
    if (!checked.success) {
      throw new CredentialsError(
        `${this.path} does not hold S3 keys by destination; remove it and set the keys again (edge-capture credentials set).`,
      );
    }
    this.cache = { stamp, file: checked.output };
    return checked.output;
  }

  /** The keys stored for a destination, or undefined. Throws CredentialsError when the file is unsafe or damaged. */
  async read(destination: string): Promise<S3Credentials | undefined> {
    return (await this.load()).destinations[destination];
  }

  /** The destinations that have stored keys (names only). */
  async names(): Promise<string[]> {
    return Object.keys((await this.load()).destinations).sort();
  }

  async write(destination: string, credentials: S3Credentials): Promise<void> {
    const keys = v.parse(s3CredentialsSchema, credentials);
    const file = await this.load();
    const next: CredentialsFile = { version: 1, destinations: { ...file.destinations, [destination]: keys } };
    await writeOwnerOnly(this.path, `${JSON.stringify(next, null, 2)}\n`);
    this.cache = undefined;
  }

  /** Removes a destination's keys; true when there were some. The file goes when it holds none. */
  async clear(destination: string): Promise<boolean> {
    const file = await this.load();
    if (!(destination in file.destinations)) return false;
    const { [destination]: _gone, ...rest } = file.destinations;
    await writeOwnerOnly(this.path, `${JSON.stringify({ version: 1, destinations: rest }, null, 2)}\n`);
    this.cache = undefined;
    return true;
  }
}

/** Checks keys given by a person or a request; the message names the field, never the value. */
export function checkCredentials(input: unknown): S3Credentials {
  const checked = v.safeParse(s3CredentialsSchema, input);
  if (checked.success) return checked.output;
  const field = checked.issues[0]?.path?.map((p) => String(p.key)).join('.') ?? 'credentials';
  throw new CredentialsError(`${field}: missing, empty or too long (the value is not shown)`);
}

/** One DestinationCredentials per data folder, shared by every S3 client of this process (one cache). */
const byDataDir = new Map<string, DestinationCredentials>();

export function destinationCredentials(dataDir: string): DestinationCredentials {
  let store = byDataDir.get(dataDir);
  if (!store) {
    store = new DestinationCredentials(dataDir);
    byDataDir.set(dataDir, store);
  }
  return store;
}
