import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createFilesystemDestination } from '../main/engine/upload/destinations/filesystem.ts';
import { ownerTagFor } from '../main/engine/upload/destinations/fs-paths.ts';
import { createDestination } from '../main/engine/upload/destinations/index.ts';
import { createLocalDestination } from '../main/engine/upload/destinations/local.ts';
import type { Throttle } from '../main/engine/upload/types.ts';
import {
  expectUploadError,
  MIB,
  makeSourceFile,
  replaceContentKeepingStat,
  sha256Hex,
  uploadOptions,
} from './support/destination-fixtures.ts';

const UPLOAD_SETTINGS = {
  partSize: 5 * MIB,
  multipartThreshold: 8 * MIB,
  partConcurrency: 2,
  requestTimeoutMs: 1000,
  maxSockets: 2,
};

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** A throttle that parks the copy at its second chunk until released. */
function gateAtSecondChunk(): Throttle & { reached: Promise<void>; release(): void } {
  let chunks = 0;
  const reached = Promise.withResolvers<void>();
  const gate = Promise.withResolvers<void>();
  return {
    reached: reached.promise,
    release: () => gate.resolve(),
    async take(_bytes, signal) {
      chunks += 1;
      if (chunks === 2) {
        reached.resolve();
        await gate.promise;
      }
      signal?.throwIfAborted();
    },
  };
}

describe('filesystem destination', () => {
  let work: string;
  let sources: string;
  let share: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'edge-fsdest-'));
    sources = join(work, 'capture');
    share = join(work, 'share');
    await mkdir(sources);
    await mkdir(share);
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('copies a file under its key, creating folders, and the copy reads back identical', async () => {
    const dest = createFilesystemDestination({ type: 'filesystem', path: share });
    const file = await makeSourceFile(sources, 'a.bin', 3 * MIB + 17, 'site/cam/a.bin');
    const seen: number[] = [];
    const result = await dest.upload(file.source, uploadOptions({ onBytes: (n) => seen.push(n) }));
    assert.deepEqual(result, { key: 'site/cam/a.bin', alreadyPresent: false, bytesSent: file.data.length });
    assert.equal(sha256Hex(await readFile(join(share, 'site/cam/a.bin'))), file.source.sha256);
    assert.equal(
      seen.reduce((a, b) => a + b, 0),
      file.data.length,
    );
    assert.deepEqual(await listFiles(join(share, 'site')), ['cam/a.bin'], 'no temp file is left');
    assert.equal(dest.kind, 'filesystem');
    assert.equal(dest.isLocalDemo, false);
  });

  it('never shows a partial file at the key: the copy appears whole, by rename', async () => {
    const dest = createFilesystemDestination({ type: 'filesystem', path: share });
    const file = await makeSourceFile(sources, 'atomic.bin', 4 * MIB, 'atomic/atomic.bin');
    const throttle = gateAtSecondChunk();
    const uploading = dest.upload(file.source, uploadOptions({ throttle }));
    await throttle.reached;

    const during = await listFiles(join(share, 'atomic'));
    assert.equal(during.length, 1);
    assert.match(during[0] ?? '', /^\.ec-[0-9a-f]{8}-[0-9a-f]{8}\.tmp$/, 'a short temp name beside the key');
    throttle.release();
    await uploading;
    assert.deepEqual(await listFiles(join(share, 'atomic')), ['atomic.bin']);
    assert.equal(sha256Hex(await readFile(join(share, 'atomic/atomic.bin'))), file.source.sha256);
  });

  it('leaves neither the key nor a temp file when the copy is aborted', async () => {
    const dest = createFilesystemDestination({ type: 'filesystem', path: share });
    const file = await makeSourceFile(sources, 'aborted.bin', 4 * MIB, 'aborted/aborted.bin');
    const throttle = gateAtSecondChunk();
    const options = uploadOptions({ throttle });
    const uploading = dest.upload(file.source, options);
    await throttle.reached;
    options.controller.abort();
    throttle.release();
    await assert.rejects(uploading, { name: 'AbortError' });
    assert.deepEqual(await listFiles(join(share, 'aborted')), []);
  });

  it('reports alreadyPresent for the same content, and a conflict for different content', async () => {
    const dest = createFilesystemDestination({ type: 'filesystem', path: share });
    const file = await makeSourceFile(sources, 'same.bin', 1000, 'dup/same.bin');
    await dest.upload(file.source, uploadOptions());
    const again = await dest.upload(file.source, uploadOptions());
    assert.deepEqual(again, { key: 'dup/same.bin', alreadyPresent: true, bytesSent: 0 });

    const other = await makeSourceFile(sources, 'other.bin', 1000, 'dup/same.bin');
    const error = await expectUploadError(dest.upload(other.source, uploadOptions()), 'conflict');
    assert.match(error.message, /onConflict: suffix/);
    assert.equal(sha256Hex(await readFile(join(share, 'dup/same.bin'))), file.source.sha256);
  });

  it('puts different content beside the existing file as name-1.ext under onConflict: suffix', async () => {
    const dest = createFilesystemDestination({ type: 'filesystem', path: share, onConflict: 'suffix' });
    await mkdir(join(share, 'sfx'), { recursive: true });
    await writeFile(join(share, 'sfx/b.jpg'), 'someone else');
    const one = await makeSourceFile(sources, 'one.jpg', 500, 'sfx/b.jpg');
    const two = await makeSourceFile(sources, 'two.jpg', 500, 'sfx/b.jpg');
    assert.equal((await dest.upload(one.source, uploadOptions())).key, 'sfx/b-1.jpg');
    assert.equal((await dest.upload(two.source, uploadOptions())).key, 'sfx/b-2.jpg');
    assert.deepEqual(await dest.upload(one.source, uploadOptions()), {
      key: 'sfx/b-1.jpg',
      alreadyPresent: true,
      bytesSent: 0,
    });
    assert.equal(await readFile(join(share, 'sfx/b.jpg'), 'utf8'), 'someone else');
  });

  it('does not overwrite a file that appears at the key while the copy runs', async () => {
    const dest = createFilesystemDestination({ type: 'filesystem', path: share });
    const file = await makeSourceFile(sources, 'race.bin', 3 * MIB, 'race/race.bin');
    const throttle = gateAtSecondChunk();
    const uploading = dest.upload(file.source, uploadOptions({ throttle }));
    await throttle.reached;
    await writeFile(join(share, 'race/race.bin'), 'written by someone else meanwhile');
    throttle.release();
    await expectUploadError(uploading, 'conflict');
    assert.equal(await readFile(join(share, 'race/race.bin'), 'utf8'), 'written by someone else meanwhile');
    assert.deepEqual(await listFiles(join(share, 'race')), ['race.bin']);
  });

  it('checks the source: changed size, vanished, and other bytes behind the same size and mtime', async () => {
    const dest = createFilesystemDestination({ type: 'filesystem', path: share });
    const grown = await makeSourceFile(sources, 'grown.bin', 100, 'src/grown.bin');
    await writeFile(grown.source.absPath, Buffer.alloc(101));
    await expectUploadError(dest.upload(grown.source, uploadOptions()), 'source_changed');

    const gone = await makeSourceFile(sources, 'gone.bin', 100, 'src/gone.bin');
    await rm(gone.source.absPath);
    await expectUploadError(dest.upload(gone.source, uploadOptions()), 'source_vanished');

    const swapped = await makeSourceFile(sources, 'swapped.bin', 2 * MIB, 'src/swapped.bin');
    await replaceContentKeepingStat(swapped, MIB, 10);
    await expectUploadError(dest.upload(swapped.source, uploadOptions()), 'source_changed');
    const left = await listFiles(share);
    assert.ok(!left.some((f) => f.startsWith('src/')), `nothing was published: ${left.join(', ')}`);
  });

  it('notices a source edited during the copy (same size, mtime put back) and publishes nothing', async () => {
    const dest = createFilesystemDestination({ type: 'filesystem', path: share });
    const file = await makeSourceFile(sources, 'edited.bin', 3 * MIB, 'edit/edited.bin');
    const throttle = gateAtSecondChunk();
    const uploading = dest.upload(file.source, uploadOptions({ throttle }));
    await throttle.reached;
    await replaceContentKeepingStat(file, 2 * MIB + 5, 100);
    throttle.release();
    await expectUploadError(uploading, 'source_changed');
    assert.deepEqual(await listFiles(join(share, 'edit')), []);
  });

  it('refuses keys that would leave the destination folder', async () => {
    const dest = createFilesystemDestination({ type: 'filesystem', path: share });
    const file = await makeSourceFile(sources, 'escape.bin', 10, '../escape.bin');
    await expectUploadError(dest.upload(file.source, uploadOptions()), 'bad_request');
    await assert.rejects(stat(join(work, 'escape.bin')), { code: 'ENOENT' });
  });

  it('treats a missing (unmounted) root as offline, on upload and on probe, and never creates it', async () => {
    const missing = join(work, 'not-mounted');
    const dest = createFilesystemDestination({ type: 'filesystem', path: missing });
    const file = await makeSourceFile(sources, 'nomount.bin', 10);
    const error = await expectUploadError(dest.upload(file.source, uploadOptions()), 'offline');
    assert.match(error.message, /mounted/);
    await expectUploadError(dest.probe(), 'offline');
    await assert.rejects(stat(missing), { code: 'ENOENT' });
  });

  it('probes a writable root and leaves nothing behind', async () => {
    const root = join(work, 'probe-root');
    await mkdir(root);
    await createFilesystemDestination({ type: 'filesystem', path: root }).probe();
    assert.deepEqual(await readdir(root), []);
    await writeFile(join(work, 'a-file'), '');
    const notAFolder = await expectUploadError(
      createFilesystemDestination({ type: 'filesystem', path: join(work, 'a-file') }).probe(),
      'misconfigured',
    );
    assert.match(notAFolder.message, /is a file, not a folder; point destination\.path at a folder/);
  });

  it("a path whose parent is a file: every upload and the probe say so, as the destination's problem", async () => {
    const blocker = join(work, 'blocker');
    await writeFile(blocker, 'a file where a folder should be');
    const dest = createFilesystemDestination({ type: 'filesystem', path: join(blocker, 'share') });
    const file = await makeSourceFile(sources, 'enotdir.bin', 1000, 'site/enotdir.bin');
    const failed = await expectUploadError(dest.upload(file.source, uploadOptions()), 'misconfigured');
    assert.equal(
      failed.message,
      `destination.path ${join(blocker, 'share')} cannot be a folder: ${blocker} is a file, not a folder; point destination.path at a folder (or move that file away)`,
    );
    await expectUploadError(dest.probe(), 'misconfigured');
  });

  it('copies a file with a legal 255-byte name (the temp name does not add to it)', async () => {
    const name = `${'n'.repeat(251)}.jpg`;
    assert.equal(Buffer.byteLength(name), 255);
    const dest = createFilesystemDestination({ type: 'filesystem', path: share });
    const file = await makeSourceFile(sources, 'long-name.bin', 3000, `long/${name}`);
    const result = await dest.upload(file.source, uploadOptions());
    assert.equal(result.key, `long/${name}`);
    assert.deepEqual(await listFiles(join(share, 'long')), [name]);
    assert.equal(sha256Hex(await readFile(join(share, 'long', name))), file.source.sha256);
  });

  it('a key with a name longer than the destination holds is refused with a message about the name', async () => {
    // A 255-byte capture name behind a key template that adds to it: no file system can hold it.
    const name = `cam1-${'n'.repeat(251)}.jpg`;
    const dest = createFilesystemDestination({ type: 'filesystem', path: share });
    const file = await makeSourceFile(sources, 'too-long.bin', 3000, `long/${name}`);
    const error = await expectUploadError(dest.upload(file.source, uploadOptions()), 'bad_request');
    assert.match(error.message, /the name "cam1-n+…" in this file's object key is 260 bytes/);
    assert.match(error.message, /holds at most 255: shorten the rule's key template/);
    assert.doesNotMatch(error.message, /\.tmp|edge-capture|ENAMETOOLONG/);
  });

  it('abortOrphans removes only its own temp files, only beside interrupted keys and ones it could not remove', async () => {
    const root = join(work, 'orphans');
    await mkdir(join(root, 'day/one'), { recursive: true });
    await mkdir(join(root, 'elsewhere'), { recursive: true });
    const dest = createFilesystemDestination({ type: 'filesystem', path: root, owner: '/data/site-a' });
    const other = createFilesystemDestination({ type: 'filesystem', path: root, owner: '/data/site-b' });
    const tagOf = (owner: string) => ownerTagFor(owner);
    const ours = join(root, `day/one/.ec-${tagOf('/data/site-a')}-0123abcd.tmp`);
    const theirs = join(root, `day/one/.ec-${tagOf('/data/site-b')}-4567ef01.tmp`);
    const oursElsewhere = join(root, `elsewhere/.ec-${tagOf('/data/site-a')}-89abcdef.tmp`);
    const legacy = join(root, 'day/one/x.bin.edge-capture-tmp-aaaa');
    const real = join(root, 'day/one/x.bin');
    for (const path of [ours, theirs, oursElsewhere, legacy, real]) await writeFile(path, 'data');
    const anHourAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    for (const path of [ours, theirs, oursElsewhere, legacy, real]) await utimes(path, anHourAgo, anHourAgo);

    const forgotten: string[] = [];
    const leftovers = (keys: string[]) => ({
      uploads: [],
      interruptedKeys: keys,
      forget: (id: string) => forgotten.push(id),
    });
    assert.equal(await dest.abortOrphans(leftovers(['day/one/x.bin'])), 1);
    assert.deepEqual(await listFiles(root), [
      `day/one/.ec-${tagOf('/data/site-b')}-4567ef01.tmp`,
      'day/one/x.bin',
      'day/one/x.bin.edge-capture-tmp-aaaa',
      `elsewhere/.ec-${tagOf('/data/site-a')}-89abcdef.tmp`,
    ]);
    // The daily sweep (no interrupted keys) reads no folder at all.
    assert.equal(await dest.abortOrphans(leftovers([])), 0);
    assert.equal(await other.abortOrphans(leftovers([])), 0);
    assert.equal((await listFiles(root)).length, 4);
    assert.deepEqual(forgotten, []);
  });
});

describe('local demo store and createDestination', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'edge-local-'));
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('is the default: copies into <dataDir>/local-store, which it creates, and says it is a demo', async () => {
    const dest = createDestination(undefined, { dataDir, upload: UPLOAD_SETTINGS });
    assert.equal(dest.isLocalDemo, true);
    assert.match(dest.label, /^LOCAL DEMO STORE \(/);
    assert.ok(dest.label.includes(join(dataDir, 'local-store')));
    await dest.probe();
    const file = await makeSourceFile(dataDir, 'capture/demo.bin', 2000, 'demo/demo.bin');
    await dest.upload(file.source, uploadOptions());
    assert.equal(sha256Hex(await readFile(join(dataDir, 'local-store/demo/demo.bin'))), file.source.sha256);
  });

  it('honours an explicit local path', async () => {
    const path = join(dataDir, 'elsewhere');
    const dest = createLocalDestination(dataDir, { type: 'local', path });
    assert.ok(dest.label.includes(path));
    await dest.probe();
    assert.ok((await stat(path)).isDirectory());
  });

  it('builds the destination each config type asks for', async () => {
    const fsDest = createDestination(
      { type: 'filesystem', path: dataDir },
      { dataDir, upload: UPLOAD_SETTINGS },
    );
    assert.equal(fsDest.kind, 'filesystem');
    assert.equal(fsDest.isLocalDemo, false);
    const s3 = createDestination(
      {
        type: 's3',
        endpoint: 'http://127.0.0.1:9',
        bucket: 'media',
        prefix: 'edge/',
        credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      },
      { dataDir, upload: UPLOAD_SETTINGS },
    );
    assert.equal(s3.kind, 's3');
    assert.equal(s3.label, 's3://media/edge/ at http://127.0.0.1:9');
    await s3.close();
    assert.equal(
      createDestination({ type: 'local' }, { dataDir, upload: UPLOAD_SETTINGS }).isLocalDemo,
      true,
    );
    assert.throws(
      () => createDestination({ type: 'ftp' } as never, { dataDir, upload: UPLOAD_SETTINGS }),
      /destination\.type: "ftp"/,
    );
  });
});
