import { SAFE_STORAGE_KIND } from '../../engine/credentials/destination-store.ts';
import type { CallHandlers, MAIN_CALLS, MainCallResults } from '../parent-calls.ts';

/** The part of Electron's `safeStorage` the sealer uses (narrow, so it is tested without Electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: which secret store encrypts. */
  getSelectedStorageBackend?(): string;
}

/**
 * What the main process tells each engine host it starts about sealing stored S3 keys: sealed by
 * safeStorage (Keychain on macOS, DPAPI on Windows, libsecret/KWallet on Linux), or not, and why.
 */
export type SealingOffer = { sealed: true; kind: string; words: string } | { sealed: false; why: string };

/** Why safeStorage cannot protect keys here, or undefined when it can. */
export function safeStorageUnusableBecause(safeStorage: SafeStorageLike): string | undefined {
  if (!safeStorage.isEncryptionAvailable()) return 'the operating system offers no encryption to this app';
  const backend = safeStorage.getSelectedStorageBackend?.();
  // Linux without a keyring: Chromium encrypts with a fixed, public key. Obfuscation, not encryption.
  if (backend === 'basic_text' || backend === 'unknown') {
    return `no keyring is running (safeStorage backend "${backend}" is not real encryption)`;
  }
  return undefined;
}

/**
 * Decided at start (safeStorage answers only after `app.ready`). Without a usable key store the app
 * keeps keys the headless way, in the owner-only file, and says so (log line, Settings words): an
 * edge box without a desktop keyring must still be able to store keys from the UI.
 */
export function sealingOffer(safeStorage: SafeStorageLike): SealingOffer {
  const why = safeStorageUnusableBecause(safeStorage);
  if (why) return { sealed: false, why };
  const backend = safeStorage.getSelectedStorageBackend?.();
  return {
    sealed: true,
    kind: SAFE_STORAGE_KIND,
    words: `the operating system's key store${backend ? ` (${backend})` : ''}`,
  };
}

/**
 * The main process's answers to the engine host's `secret.seal` / `secret.unseal` (parent-calls.ts).
 * Refuses, with the reason, whenever safeStorage cannot really encrypt, even if asked.
 */
export function safeStorageCalls(
  safeStorage: SafeStorageLike,
): CallHandlers<typeof MAIN_CALLS, MainCallResults> {
  const check = () => {
    const why = safeStorageUnusableBecause(safeStorage);
    if (why) throw new Error(`Cannot keep keys encrypted: ${why}`);
  };
  return {
    'secret.seal': async ({ plain }) => {
      check();
      return { sealed: safeStorage.encryptString(plain).toString('base64') };
    },
    'secret.unseal': async ({ sealed }) => {
      check();
      try {
        return { plain: safeStorage.decryptString(Buffer.from(sealed, 'base64')) };
      } catch {
        throw new Error('the key store could not decrypt them');
      }
    },
  };
}
