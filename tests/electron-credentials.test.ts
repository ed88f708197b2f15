import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  chmod,
  chown,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, beforeEach, describe, test } from 'vitest';
import {
  type SafeStorageLike,
  safeStorageCalls,
  sealingOffer,
} from '../main/electron/credentials/safe-storage-sealer.ts';
import { remoteSealer } from '../main/electron/host-process.ts';
import { startHostService } from '../main/electron/host-service.ts';
import {
  CallChannel,
  HOST_CALLS,
  type HostSideChannel,
  MAIN_CALLS,
  type MainSideChannel,
} from '../main/electron/parent-calls.ts';
import { fromNodeMessagePort } from '../main/electron/ports.ts';
import { createDesktopApi } from '../main/electron/preload-api.ts';
import {
  DestinationCredentials,
  type SecretSealer,
  setCredentialsSealing,
  storedKeysProtection,
} from '../main/engine/credentials/destination-store.ts';
import { CredentialsError } from '../main/engine/credentials/store.ts';
import { makeSite } from './support/engine-fixtures.ts';

const KEYS = { accessKeyId: 'AKIAEDGECAPTURE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const POSIX = process.platform !== 'win32';
const ROOT = process.getuid?.() === 0;

/** AES-256-GCM with a key held in memory: iv | tag | ciphertext. Only the same key opens it. */
function aesGcm(key: Buffer) {
  return {
    encrypt(plain: string): Buffer {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decrypt(sealed: Buffer): string {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

/** A REAL sealer (not Electron's): it really encrypts, so "only ciphertext on disk" can be checked. */
function testSealer(kind = 'test-aes-gcm', key = randomBytes(32)): SecretSealer {
  const aes = aesGcm(key);
  return {
    kind,
    words: 'a test key held in memory',
    seal: async (plain) => aes.encrypt(plain).toString('base64'),
    unseal: async (sealed) => aes.decrypt(Buffer.from(sealed, 'base64')),
  };
}

/**
 * FAKE standing in for Electron's safeStorage (the Electron binary is not available here): AES-GCM
 * with a key in memory in place of the OS key store, and switchable availability / Linux backend.
 */
class FakeSafeStorage implements SafeStorageLike {
  private readonly aes = aesGcm(randomBytes(32));
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
    return this.aes.encrypt(plainText);
  }
  decryptString(encrypted: Buffer): string {
    return this.aes.decrypt(encrypted);
  }
}

/** The two ends of the parent port, over a real worker_threads MessageChannel (structured clone). */
function parentPortPair(safeStorage: SafeStorageLike): { host: HostSideChannel; close(): void } {
  const { port1, port2 } = new MessageChannel();
  const host: HostSideChannel = new CallChannel((m) => port1.postMessage(m), HOST_CALLS, {
    'media.get': async () => {
      throw new Error('not in this test');
    },
    'file.location': async () => ({ found: false }),
  });
  const main: MainSideChannel = new CallChannel(
    (m) => port2.postMessage(m),
    MAIN_CALLS,
    safeStorageCalls(safeStorage),
  );
  port1.on('message', (m) => host.receive(m));
  port2.on('message', (m) => main.receive(m));
  return {
    host,
    close: () => {
      port1.close();
      (port2 as MessagePort).close();
    },
  };
}

describe('credentials file, headless (owner-only, not sealed)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edge-credentials-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('keys are written 0600 even under a permissive umask, read back, and cleared', async () => {
    const store = new DestinationCredentials(join(dir, 'nested'));
    assert.equal(store.protection(), "in a file only the engine's user can read");
    const umask = process.umask(0o000);
    try {
      await store.write('archive', KEYS);
    } finally {
      process.umask(umask);
    }
    if (POSIX) {
      assert.equal((await stat(store.path)).mode & 0o777, 0o600);
      assert.equal((await stat(join(dir, 'nested'))).mode & 0o777, 0o700);
    }
    assert.deepEqual(await store.read('archive'), KEYS);
    assert.deepEqual(await readdir(join(dir, 'nested')), ['credentials.json'], 'no temporary file left');
    assert.equal(
      JSON.parse(await readFile(store.path, 'utf8')).destinations.archive.accessKeyId,
      KEYS.accessKeyId,
    );
    assert.equal(await store.clear('archive'), true);
    assert.equal(await store.read('archive'), undefined);
  });

  // File modes mean nothing on Windows; here (Linux, CI) this always runs.
  test.skipIf(!POSIX)('a key file others can read, a link, or a folder is refused with the fix', async () => {
    const store = new DestinationCredentials(dir);
    await store.write('archive', KEYS);
    await chmod(store.path, 0o644);
    await assert.rejects(new DestinationCredentials(dir).read('archive'), (error: Error) => {
      assert.ok(error instanceof CredentialsError);
      assert.match(error.message, /can be read by other users \(mode 644\); run "chmod 600 /);
      return true;
    });
    await chmod(store.path, 0o600);
    const viaLink = join(dir, 'via-link');
    await mkdir(viaLink);
    await symlink(store.path, join(viaLink, 'credentials.json'));
    await assert.rejects(new DestinationCredentials(viaLink).read('archive'), /not a regular file/);
    const folder = join(dir, 'folder');
    await mkdir(join(folder, 'credentials.json'), { recursive: true });
    await assert.rejects(new DestinationCredentials(folder).read('archive'), /not a regular file/);
  });

  // Only root can give a file to another user; the tests and CI run as root here, so this runs.
  test.skipIf(!POSIX || !ROOT)('a key file owned by another user is refused', async () => {
    const store = new DestinationCredentials(dir);
    await store.write('archive', KEYS);
    await chown(store.path, 65534, 65534);
    await assert.rejects(new DestinationCredentials(dir).read('archive'), /belongs to another user/);
  });

  test('malformed or foreign content is refused, never half-used', async () => {
    const store = new DestinationCredentials(dir);
    await writeFile(store.path, '{"version":1,"destinations":{"a":{"accessKeyId":"x"}}}', { mode: 0o600 });
    await assert.rejects(new DestinationCredentials(dir).read('a'), /does not hold S3 keys/);
    await writeFile(store.path, 'not json', { mode: 0o600 });
    await assert.rejects(new DestinationCredentials(dir).read('a'), /not valid JSON/);
  });
});

describe('credentials file, sealed (a real sealer that encrypts; then safeStorage through the parent port)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edge-sealed-'));
  });
  afterEach(async () => {
    setCredentialsSealing({});
    await rm(dir, { recursive: true, force: true });
  });

  test('only ciphertext on disk (0600), tagged with its sealer, read back by the same key', async () => {
    // Keys stored headless first (plain): the desktop reads them, and its next change seals the file.
    await new DestinationCredentials(dir).write('archive', KEYS);
    const sealer = testSealer();
    const store = new DestinationCredentials(dir, { sealer });
    assert.deepEqual(await store.read('archive'), KEYS);
    await store.write('backup', { ...KEYS, sessionToken: 'session-token-value' });
    const onDisk = await readFile(store.path);
    for (const secret of [
      KEYS.secretAccessKey,
      KEYS.accessKeyId,
      'session-token-value',
      'archive',
      'backup',
    ]) {
      assert.equal(onDisk.includes(Buffer.from(secret)), false, `${secret} is not on disk in clear`);
    }
    const file = JSON.parse(onDisk.toString('utf8'));
    assert.deepEqual(Object.keys(file).sort(), ['sealed', 'sealedWith', 'version']);
    assert.equal(file.sealedWith, 'test-aes-gcm');
    if (POSIX) assert.equal((await stat(store.path)).mode & 0o777, 0o600);
    const again = new DestinationCredentials(dir, { sealer });
    assert.deepEqual(await again.read('archive'), KEYS);
    assert.equal((await again.read('backup'))?.sessionToken, 'session-token-value');
    assert.deepEqual(await again.names(), ['archive', 'backup']);
    assert.match(store.protection(), /^encrypted with a test key held in memory/);
  });

  test('another key, a headless engine, or a desktop without its keyring: refused with a sentence, never overwritten', async () => {
    await new DestinationCredentials(dir, { sealer: testSealer() }).write('archive', KEYS);
    const before = await readFile(join(dir, 'credentials.json'));
    await assert.rejects(
      new DestinationCredentials(dir, { sealer: testSealer() }).read('archive'),
      /cannot be decrypted with a test key held in memory .*sealed by another user, machine or keyring; remove it and set the keys again/,
    );
    const headless = new DestinationCredentials(dir);
    await assert.rejects(
      headless.read('archive'),
      /holds keys sealed with "test-aes-gcm", and a headless engine/,
    );
    // A headless `credentials set` must not replace the desktop's keys by accident.
    await assert.rejects(headless.write('other', KEYS), /holds keys sealed/);
    await assert.rejects(headless.clear('archive'), /holds keys sealed/);
    assert.deepEqual(await readFile(join(dir, 'credentials.json')), before, 'the sealed file is untouched');
  });

  test('safeStorage in the main process seals for the engine host over the parent port', async () => {
    // STAND-IN for Electron's safeStorage (no Electron binary here): FakeSafeStorage above.
    const safeStorage = new FakeSafeStorage();
    const offer = sealingOffer(safeStorage);
    assert.deepEqual(offer, {
      sealed: true,
      kind: 'electron-safeStorage',
      words: "the operating system's key store (gnome_libsecret)",
    });
    const pair = parentPortPair(safeStorage);
    try {
      assert.ok(offer.sealed);
      const sealer = remoteSealer(pair.host, offer.kind, offer.words);
      const store = new DestinationCredentials(dir, { sealer });
      await store.write('archive', KEYS);
      const text = await readFile(store.path, 'utf8');
      assert.equal(text.includes(KEYS.secretAccessKey), false);
      assert.equal(JSON.parse(text).sealedWith, 'electron-safeStorage');
      // The ciphertext is safeStorage's: the fake decrypts it directly.
      const plain = safeStorage.decryptString(Buffer.from(JSON.parse(text).sealed, 'base64'));
      assert.deepEqual(JSON.parse(plain), { archive: KEYS });
      assert.deepEqual(await new DestinationCredentials(dir, { sealer }).read('archive'), KEYS);

      // The same data folder run headless (CLI, serve): says plainly it cannot read desktop keys.
      await assert.rejects(
        new DestinationCredentials(dir).read('archive'),
        /holds keys sealed by the desktop app with the operating system's key store, and a headless engine \(CLI, serve, run\) cannot decrypt them\. Use the desktop app on this machine/,
      );
      // The desktop app started later without its keyring: says why.
      await assert.rejects(
        new DestinationCredentials(dir, { unsealedBecause: 'no keyring is running' }).read('archive'),
        /the desktop app cannot use the key store now: no keyring is running/,
      );
    } finally {
      pair.close();
    }
  });

  test('the main process refuses to seal without real encryption (unavailable, or basic_text on Linux)', async () => {
    for (const [safeStorage, why] of [
      [new FakeSafeStorage(false), /offers no encryption/],
      [new FakeSafeStorage(true, 'basic_text'), /no keyring is running \(safeStorage backend "basic_text"/],
    ] as const) {
      const offer = sealingOffer(safeStorage);
      assert.equal(offer.sealed, false);
      assert.match(offer.sealed ? '' : offer.why, why);
      const calls = safeStorageCalls(safeStorage);
      await assert.rejects(calls['secret.seal']({ plain: 'x' }), /Cannot keep keys encrypted/);
      // Asked over the port anyway: the refusal comes back as the sentence, and nothing is written.
      const pair = parentPortPair(safeStorage);
      try {
        const store = new DestinationCredentials(dir, {
          sealer: remoteSealer(pair.host, 'electron-safeStorage', 'x'),
        });
        await assert.rejects(
          store.write('archive', KEYS),
          /could not be encrypted with x: Cannot keep keys encrypted.*Nothing was stored/,
        );
        await assert.rejects(readFile(store.path), /ENOENT/);
      } finally {
        pair.close();
      }
    }
    // Fallback decided for the desktop without a keyring: the owner-only file, said in Settings' words.
    setCredentialsSealing({ unsealedBecause: 'no keyring is running' });
    assert.equal(
      storedKeysProtection(),
      "in a file only the engine's user can read; not encrypted: no keyring is running",
    );
  });

  test('credentials.set from the desktop UI through the real engine host stores only ciphertext', async () => {
    const site = await makeSite(
      ({ captures, dataDir }) => `site: sealed-keys
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
reconcileInterval: 0
destinations:
  - name: archive
    type: s3
    endpoint: http://127.0.0.1:9
    region: us-east-1
    bucket: never-reached
defaultAction: { action: skip, reason: nothing matched }
`,
    );
    const safeStorage = new FakeSafeStorage(); // STAND-IN for Electron's safeStorage
    const pair = parentPortPair(safeStorage);
    const offer = sealingOffer(safeStorage);
    assert.ok(offer.sealed);
    const service = await startHostService({
      site: { kind: 'config', path: site.configPath },
      engineVersion: '0.1.0-sealed-test',
      log: () => undefined,
      sealing: { sealer: remoteSealer(pair.host, offer.kind, offer.words) },
    });
    try {
      const api = createDesktopApi({
        requestPort: async () => {
          const { port1, port2 } = new MessageChannel();
          service.connect(fromNodeMessagePort(port1));
          return fromNodeMessagePort(port2);
        },
      });
      assert.ok((await api.connect()).ok);
      const set = await api.requests['credentials.set']({ destination: 'archive', ...KEYS });
      assert.deepEqual(set, { ok: true, result: { set: true, destination: 'archive' } });
      const text = await readFile(join(site.dataDir, 'credentials.json'), 'utf8');
      assert.equal(text.includes(KEYS.secretAccessKey), false);
      assert.equal(JSON.parse(text).sealedWith, 'electron-safeStorage');
      const settings = await api.requests['settings.get']({});
      assert.ok(settings.ok);
      const words = JSON.stringify(settings.result);
      // Read back through the main process's safeStorage: the host shows the id's last 4 characters.
      assert.match(
        words,
        /stored for this destination \(access key …TURE\), encrypted with the operating system's key store \(gnome_libsecret\)/,
      );
      assert.equal(words.includes(KEYS.secretAccessKey), false);
      api.disconnect();
    } finally {
      await service.stop();
      pair.close();
      await site.cleanup();
    }
  });
});
