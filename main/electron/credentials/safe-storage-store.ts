import * as v from 'valibot';
import { readOwnerOnly, removeOwnerOnly, writeOwnerOnly } from '../../engine/credentials/owner-only-file.ts';
import {
  CredentialsError,
  type CredentialsStatus,
  type CredentialsStore,
  parseCredentials,
  type S3Credentials,
  s3CredentialsSchema,
} from '../../engine/credentials/store.ts';

/** The part of Electron's `safeStorage` this store uses (narrow, so it is tested without Electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: which secret store encrypts. */
  getSelectedStorageBackend?(): string;
}

/**
 * Desktop: the keys encrypted with Electron's safeStorage (Keychain on macOS, DPAPI on Windows,
 * libsecret/KWallet on Linux), the ciphertext in an owner-only file. On Linux without a keyring
 * Chromium falls back to a fixed, public key ("basic_text"): that is obfuscation, not encryption, so
 * this store refuses it and the app uses the owner-only file store instead, saying so.
 */
export class SafeStorageStore implements CredentialsStore {
  readonly path: string;
  private readonly safeStorage: SafeStorageLike;

  constructor(path: string, safeStorage: SafeStorageLike) {
    this.path = path;
    this.safeStorage = safeStorage;
  }

  /** Why safeStorage cannot protect keys here, or undefined when it can. */
  static unusableBecause(safeStorage: SafeStorageLike): string | undefined {
    if (!safeStorage.isEncryptionAvailable()) return 'the OS offers no encryption to this app';
    const backend = safeStorage.getSelectedStorageBackend?.();
    if (backend === 'basic_text' || backend === 'unknown') {
      return `no keyring is running (safeStorage backend "${backend}" is not real encryption)`;
    }
    return undefined;
  }

  private check(): void {
    const why = SafeStorageStore.unusableBecause(this.safeStorage);
    if (why) throw new CredentialsError(`Cannot keep keys encrypted: ${why}.`);
  }

  async read(): Promise<S3Credentials | undefined> {
    const bytes = await readOwnerOnly(this.path);
    if (bytes === undefined) return undefined;
    this.check();
    let json: string;
    try {
      json = this.safeStorage.decryptString(bytes);
    } catch {
      throw new CredentialsError(
        `${this.path} cannot be decrypted (keys saved by another user or machine); enter the keys again.`,
      );
    }
    return parseCredentials(json, this.path);
  }

  async write(credentials: S3Credentials): Promise<void> {
    this.check();
    const json = JSON.stringify(v.parse(s3CredentialsSchema, credentials));
    await writeOwnerOnly(this.path, this.safeStorage.encryptString(json));
  }

  async clear(): Promise<void> {
    await removeOwnerOnly(this.path);
  }

  async status(): Promise<CredentialsStatus> {
    const backend = this.safeStorage.getSelectedStorageBackend?.();
    return {
      set: (await this.read()) !== undefined,
      protection: `encrypted with the operating system's key store${backend ? ` (${backend})` : ''}`,
    };
  }
}
