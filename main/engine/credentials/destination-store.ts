import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { readOwnerOnly, writeOwnerOnly } from './owner-only-file.ts';
import { CredentialsError, type S3Credentials, s3CredentialsSchema } from './store.ts';

/**
 * S3 keys per destination, kept by the engine's host (CLI `edge-capture credentials set`, or the UI's
 * "Set credentials…" through the engine host) in `<dataDir>/credentials.json`, a file only the owner
 * can read (mode 600, written to a temporary file and renamed; refused when loosened, a link, or
 * someone else's).
 *
 * How the keys inside are protected depends on the process (see CredentialsSealing):
 *   - headless (CLI, `serve`, `run`): as JSON; the protection is the file system's;
 *   - desktop app: sealed by the main process with Electron's safeStorage (the OS key store); the
 *     file holds `{ version, sealedWith, sealed }`, ciphertext only. A process without that sealer
 *     (a headless run on the same data folder) refuses the file with a sentence instead of guessing.
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

/** Encrypts and decrypts the key file's content (desktop: the main process's safeStorage). */
export interface SecretSealer {
  /** Written into the file, so a process knows whether it can open it (e.g. "electron-safeStorage"). */
  readonly kind: string;
  /** Operator words, e.g. "the operating system's key store (gnome_libsecret)". */
  readonly words: string;
  /** Plain text → ciphertext as base64. */
  seal(plain: string): Promise<string>;
  /** Base64 ciphertext → plain text; throws when it cannot (another user, machine or keyring). */
  unseal(sealed: string): Promise<string>;
}

/** How this process keeps stored keys: sealed, or (headless, or desktop without a key store) not. */
export interface CredentialsSealing {
  sealer?: SecretSealer;
  /** The desktop app could not seal (no keyring): why, said in status and in refusals. */
  unsealedBecause?: string;
}

const destinationsSchema = v.record(v.pipe(v.string(), v.minLength(1)), s3CredentialsSchema);
const plainFileSchema = v.strictObject({ version: v.literal(1), destinations: destinationsSchema });
const sealedFileSchema = v.strictObject({
  version: v.literal(1),
  sealedWith: v.pipe(v.string(), v.minLength(1), v.maxLength(100)),
  sealed: v.pipe(v.string(), v.minLength(1)),
});
type Destinations = v.InferOutput<typeof destinationsSchema>;
type CredentialsFile = { version: 1; destinations: Destinations };

export function credentialsFilePath(dataDir: string): string {
  return join(dataDir, CREDENTIALS_FILE);
}

const SET_AGAIN = 'remove it and set the keys again (edge-capture credentials set)';

export class DestinationCredentials {
  readonly path: string;
  private readonly sealing: CredentialsSealing;
  private cache: { stamp: string; file: CredentialsFile } | undefined;

  constructor(dataDir: string, sealing: CredentialsSealing = {}) {
    this.path = credentialsFilePath(dataDir);
    this.sealing = sealing;
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
    const value = this.json(bytes.toString('utf8'));
    const sealed = v.safeParse(sealedFileSchema, value);
    const plain = sealed.success
      ? this.json(await this.unseal(sealed.output.sealedWith, sealed.output.sealed))
      : value;
    const checked = v.safeParse(sealed.success ? destinationsSchema : plainFileSchema, plain);
    if (!checked.success) {
      throw new CredentialsError(`${this.path} does not hold S3 keys by destination; ${SET_AGAIN}.`);
    }
    const file: CredentialsFile = sealed.success
      ? { version: 1, destinations: checked.output as Destinations }
      : (checked.output as CredentialsFile);
    this.cache = { stamp, file };
    return file;
  }

  private json(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw new CredentialsError(`${this.path} is not valid JSON; ${SET_AGAIN}.`);
    }
  }

  private async unseal(sealedWith: string, sealed: string): Promise<string> {
    const { sealer, unsealedBecause } = this.sealing;
    if (!sealer || sealer.kind !== sealedWith) {
      const who =
        sealedWith === SAFE_STORAGE_KIND
          ? "by the desktop app with the operating system's key store"
          : `with "${sealedWith}"`;
      const why = sealer
        ? `this process seals with "${sealer.kind}"`
        : unsealedBecause
          ? `the desktop app cannot use the key store now: ${unsealedBecause}`
          : 'a headless engine (CLI, serve, run) cannot decrypt them';
      throw new CredentialsError(
        `${this.path} holds keys sealed ${who}, and ${why}. Use the desktop app on this machine, or ${SET_AGAIN}.`,
      );
    }
    try {
      return await sealer.unseal(sealed);
    } catch (error) {
      throw new CredentialsError(
        `${this.path} cannot be decrypted with ${sealer.words} (${(error as Error).message}): keys sealed by another user, machine or keyring; ${SET_AGAIN}.`,
      );
    }
  }

  /** The file's content for `destinations`: sealed when this process has a sealer. */
  private async serialize(destinations: Destinations): Promise<string> {
    const { sealer } = this.sealing;
    if (!sealer) return `${JSON.stringify({ version: 1, destinations }, null, 2)}\n`;
    let sealed: string;
    try {
      sealed = await sealer.seal(JSON.stringify(destinations));
    } catch (error) {
      throw new CredentialsError(
        `The keys could not be encrypted with ${sealer.words}: ${(error as Error).message}. Nothing was stored.`,
      );
    }
    return `${JSON.stringify({ version: 1, sealedWith: sealer.kind, sealed }, null, 2)}\n`;
  }

  /** How the keys in this file are kept, in operator words (never the keys). */
  protection(): string {
    return protectionWords(this.sealing);
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
    await writeOwnerOnly(this.path, await this.serialize({ ...file.destinations, [destination]: keys }));
    this.cache = undefined;
  }

  /** Removes a destination's keys; true when there were some. The file goes when it holds none. */
  async clear(destination: string): Promise<boolean> {
    const file = await this.load();
    if (!(destination in file.destinations)) return false;
    const { [destination]: _gone, ...rest } = file.destinations;
    await writeOwnerOnly(this.path, await this.serialize(rest));
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

function protectionWords({ sealer, unsealedBecause }: CredentialsSealing): string {
  if (sealer) return `encrypted with ${sealer.words}, in a file only the engine's user can read`;
  const plain = "in a file only the engine's user can read";
  return unsealedBecause ? `${plain}; not encrypted: ${unsealedBecause}` : plain;
}

/** How this process keeps stored keys, in operator words (for status and Settings). */
export function storedKeysProtection(): string {
  return protectionWords(processSealing);
}

/** The tag of keys sealed by the desktop app's main process with Electron's safeStorage. */
export const SAFE_STORAGE_KIND = 'electron-safeStorage';

/** One DestinationCredentials per data folder, shared by every S3 client of this process (one cache). */
const byDataDir = new Map<string, DestinationCredentials>();
let processSealing: CredentialsSealing = {};

/**
 * How this process seals stored keys, set once at start (the desktop engine host, before its engine
 * starts). Process-wide because every S3 client reaches the store by data folder only.
 */
export function setCredentialsSealing(sealing: CredentialsSealing): void {
  processSealing = sealing;
  byDataDir.clear();
}

export function destinationCredentials(dataDir: string): DestinationCredentials {
  let store = byDataDir.get(dataDir);
  if (!store) {
    store = new DestinationCredentials(dataDir, processSealing);
    byDataDir.set(dataDir, store);
  }
  return store;
}
