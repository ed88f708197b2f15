import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'vitest';
import { type SafeStorageLike, SafeStorageStore } from '../main/electron/credentials/safe-storage-store.ts';
import { OwnerOnlyFileStore } from '../main/engine/credentials/file-store.ts';
import { CredentialsError, credentialsEnv } from '../main/engine/credentials/store.ts';

const KEYS = { accessKeyId: 'AKIAEDGECAPTURE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const POSIX = process.platform !== 'win32';
const ROOT = process.getuid?.() === 0;

describe('electron credentials: owner-only file store (real files, headless mode)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edge-credentials-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('keys are written 0600 even under a permissive umask, read back, and cleared', async () => {
    const store = new OwnerOnlyFileStore(join(dir, 'nested', 'credentials.json'));
    assert.deepEqual(await store.status(), {
      set: false,
      protection: `a file only you can read (${store.path}, mode 600); not encrypted`,
    });
    const umask = process.umask(0o000);
    try {
      await store.write(KEYS);
    } finally {
      process.umask(umask);
    }
    if (POSIX) {
      assert.equal((await stat(store.path)).mode & 0o777, 0o600);
      assert.equal((await stat(join(dir, 'nested'))).mode & 0o777, 0o700);
    }
    assert.deepEqual(await store.read(), KEYS);
    assert.equal((await store.status()).set, true);
    assert.deepEqual(await readdir(join(dir, 'nested')), ['credentials.json'], 'no temporary file left');
    await store.write({ ...KEYS, sessionToken: 'token' });
    assert.equal((await store.read())?.sessionToken, 'token');
    await store.clear();
    assert.equal(await store.read(), undefined);
  });

  // File modes mean nothing on Windows; here (Linux, CI) this always runs.
  test.skipIf(!POSIX)('a key file others can read, a link, or a folder is refused with the fix', async () => {
    const store = new OwnerOnlyFileStore(join(dir, 'credentials.json'));
    await store.write(KEYS);
    await chmod(store.path, 0o644);
    await assert.rejects(store.read(), (error: Error) => {
      assert.ok(error instanceof CredentialsError);
      assert.match(error.message, /can be read by other users \(mode 644\); run "chmod 600 /);
      return true;
    });
    await chmod(store.path, 0o600);
    const link = new OwnerOnlyFileStore(join(dir, 'link.json'));
    await symlink(store.path, link.path);
    await assert.rejects(link.read(), /not a regular file/);
    await assert.rejects(new OwnerOnlyFileStore(dir).read(), /not a regular file/);
  });

  // Only root can give a file to another user; the tests and CI run as root here, so this runs.
  test.skipIf(!POSIX || !ROOT)('a key file owned by another user is refused', async () => {
    const store = new OwnerOnlyFileStore(join(dir, 'credentials.json'));
    await store.write(KEYS);
    const { chown } = await import('node:fs/promises');
    await chown(store.path, 65534, 65534);
    await assert.rejects(store.read(), /belongs to another user/);
  });

  test('malformed or foreign content is refused, never half-used', async () => {
    const store = new OwnerOnlyFileStore(join(dir, 'credentials.json'));
    await writeFile(store.path, '{"accessKeyId": "x"}', { mode: 0o600 });
    await assert.rejects(store.read(), /does not hold S3 keys/);
    await writeFile(store.path, 'not json', { mode: 0o600 });
    await assert.rejects(store.read(), /not valid JSON/);
    await assert.rejects(store.write({ accessKeyId: '', secretAccessKey: 'x' }));
  });

  test('the engine host gets the keys as the AWS SDK environment variables', () => {
    assert.deepEqual(credentialsEnv(KEYS), {
      AWS_ACCESS_KEY_ID: KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey,
    });
    assert.deepEqual(credentialsEnv(undefined), {});
  });
});

/**
 * FAKE for the Electron binary's safeStorage (the OS key store is Electron's): AES-256-GCM with a key
 * held in memory, so "encrypted on disk, decryptable only by the same keyring" can be checked.
 */
class FakeSafeStorage implements SafeStorageLike {
  private readonly key = randomBytes(32);
  available: boolean;
  backend: string;
  constructor(available = true, backend = 'gnome_libsecret') {
    this.available = available;
    this.backend = backend;
  }
  isEncryptionAvailable() {
    return this.available;
  }
  getSelectedStorageBackend() {
    return this.backend;
  }
  encryptString(plainText: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }
  decryptString(encrypted: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, encrypted.subarray(0, 12));
    decipher.setAuthTag(encrypted.subarray(12, 28));
    return Buffer.concat([decipher.update(encrypted.subarray(28)), decipher.final()]).toString('utf8');
  }
}

describe('electron credentials: safeStorage store (fake safeStorage standing in for Electron)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edge-safe-storage-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('keys are stored encrypted in an owner-only file and read back', async () => {
    const store = new SafeStorageStore(join(dir, 'credentials.bin'), new FakeSafeStorage());
    await store.write(KEYS);
    const onDisk = await readFile(store.path);
    assert.equal(onDisk.includes(Buffer.from(KEYS.secretAccessKey)), false, 'no plain secret on disk');
    assert.equal(onDisk.includes(Buffer.from(KEYS.accessKeyId)), false);
    if (POSIX) assert.equal((await stat(store.path)).mode & 0o777, 0o600);
    assert.deepEqual(await store.read(), KEYS);
    assert.deepEqual(await store.status(), {
      set: true,
      protection: "encrypted with the operating system's key store (gnome_libsecret)",
    });
  });

  test('keys saved under another keyring cannot be read and say what to do', async () => {
    const path = join(dir, 'credentials.bin');
    await new SafeStorageStore(path, new FakeSafeStorage()).write(KEYS);
    await assert.rejects(
      new SafeStorageStore(path, new FakeSafeStorage()).read(),
      /cannot be decrypted.*enter the keys again/,
    );
  });

  test('no encryption, or Linux without a keyring (basic_text), is refused rather than pretended', async () => {
    assert.match(SafeStorageStore.unusableBecause(new FakeSafeStorage(false)) ?? '', /no encryption/);
    assert.match(
      SafeStorageStore.unusableBecause(new FakeSafeStorage(true, 'basic_text')) ?? '',
      /no keyring/,
    );
    assert.equal(SafeStorageStore.unusableBecause(new FakeSafeStorage(true, 'kwallet6')), undefined);
    const store = new SafeStorageStore(join(dir, 'credentials.bin'), new FakeSafeStorage(true, 'basic_text'));
    await assert.rejects(store.write(KEYS), /Cannot keep keys encrypted: no keyring is running/);
    await assert.rejects(readFile(store.path), /ENOENT/, 'nothing written');
  });
});
