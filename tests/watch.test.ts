import assert from 'node:assert/strict';
import { appendFile, mkdir, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { folderAt, makeTempDir, sleep, waitFor } from './support/fs-helpers.ts';
import { withWatcher } from './support/watch-recorder.ts';

let tmp: { dir: string; cleanup: () => Promise<void> };
let counter = 0;
/** A fresh, empty capture folder per test. */
async function freshFolder(): Promise<string> {
  const dir = path.join(tmp.dir, `f${counter++}`);
  await mkdir(dir);
  return dir;
}

beforeAll(async () => {
  tmp = await makeTempDir('watch-test-');
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('CaptureWatcher completeness', () => {
  for (const completion of ['stable', 'auto'] as const) {
    test(`${completion} mode: a file still being written is not handed on until it settles`, async () => {
      const dir = await freshFolder();
      const file = path.join(dir, 'frame.bin');
      await withWatcher([folderAt(dir, { completion, stableWindowMs: 300 })], async (rec) => {
        await writeFile(file, 'start');
        // Keep appending for well over the window: nothing may be emitted meanwhile.
        for (let i = 0; i < 12; i++) {
          await sleep(70);
          await appendFile(file, `chunk-${i};`);
        }
        assert.equal(rec.files.length, 0, 'emitted while the writer was still appending');
        const finishedAt = Date.now();
        const seen = await waitFor(() => rec.files[0], 'the finished file');
        assert.equal(seen.via, 'stable');
        assert.equal(seen.relPath, 'frame.bin');
        assert.equal(
          seen.size,
          'start'.length + Array.from({ length: 12 }, (_, i) => `chunk-${i};`).join('').length,
        );
        assert.ok(seen.at - finishedAt >= 150, 'emitted before the stable window had passed');
        await sleep(300);
        assert.equal(rec.files.length, 1, 'emitted more than once');
      });
    });
  }

  test('auto mode: a file renamed into place is handed on at once, long before the stable window', async () => {
    const dir = await freshFolder();
    await mkdir(path.join(dir, 'sub'));
    await withWatcher([folderAt(dir, { completion: 'auto', stableWindowMs: 10_000 })], async (rec) => {
      const temp = path.join(dir, 'sub', 'shot.jpg.part');
      await writeFile(temp, 'jpeg bytes');
      await sleep(100);
      await rename(temp, path.join(dir, 'sub', 'shot.jpg'));
      const seen = await waitFor(() => rec.files[0], 'the renamed file', 3_000);
      assert.equal(seen.via, 'rename');
      assert.equal(seen.relPath, 'sub/shot.jpg');
      assert.equal(seen.size, 'jpeg bytes'.length);
      // rsync style: `.name.XXXXXX`, written and renamed at once.
      await writeFile(path.join(dir, '.clip.mp4.a1B2c3'), 'mp4');
      await rename(path.join(dir, '.clip.mp4.a1B2c3'), path.join(dir, 'clip.mp4'));
      const rsynced = await waitFor(
        () => rec.files.find((f) => f.relPath === 'clip.mp4'),
        'the rsynced file',
        3_000,
      );
      assert.equal(rsynced.via, 'rename');
    });
  });

  test('auto mode: a file written in place under its final name waits for the stable window', async () => {
    const dir = await freshFolder();
    await withWatcher([folderAt(dir, { completion: 'auto', stableWindowMs: 10_000 })], async (rec) => {
      await writeFile(path.join(dir, 'direct.jpg'), 'written in place');
      await sleep(800);
      assert.equal(rec.files.length, 0);
    });
  });

  test('rename mode: any non-temp file is complete as soon as it appears', async () => {
    const dir = await freshFolder();
    await withWatcher([folderAt(dir, { completion: 'rename', stableWindowMs: 10_000 })], async (rec) => {
      await writeFile(path.join(dir, 'a.csv'), 'x,y\n');
      const seen = await waitFor(() => rec.files[0], 'the file', 3_000);
      assert.equal(seen.via, 'rename');
      assert.equal(seen.relPath, 'a.csv');
    });
  });

  test('temp names, dotfiles, hidden folders and ignore globs are never handed on', async () => {
    const dir = await freshFolder();
    await mkdir(path.join(dir, '.thumbs'));
    await mkdir(path.join(dir, 'cache'));
    const folder = folderAt(dir, {
      completion: 'stable',
      stableWindowMs: 150,
      ignore: ['*.xmp', 'cache/**'],
    });
    await withWatcher([folder], async (rec) => {
      const never = ['a.jpg.part', 'b.tmp', '~$report.docx', '.hidden.jpg', 'c.jpg.crdownload', 'side.xmp'];
      for (const name of never) await writeFile(path.join(dir, name), 'x');
      await writeFile(path.join(dir, '.thumbs', 'thumb.jpg'), 'x');
      await writeFile(path.join(dir, 'cache', 'blob.bin'), 'x');
      await sleep(50);
      await writeFile(path.join(dir, 'keep.jpg'), 'x');
      await waitFor(() => rec.files.find((f) => f.relPath === 'keep.jpg'), 'keep.jpg');
      await sleep(400);
      assert.deepEqual(
        rec.files.map((f) => f.relPath),
        ['keep.jpg'],
      );
    });
  });

  test('a non-recursive folder ignores files in subfolders', async () => {
    const dir = await freshFolder();
    await mkdir(path.join(dir, 'deeper'));
    await withWatcher([folderAt(dir, { recursive: false, completion: 'rename' })], async (rec) => {
      await writeFile(path.join(dir, 'deeper', 'inner.jpg'), 'x');
      await mkdir(path.join(dir, 'late'));
      await writeFile(path.join(dir, 'late', 'inner2.jpg'), 'x');
      await sleep(100);
      await writeFile(path.join(dir, 'top.jpg'), 'x');
      await waitFor(() => rec.files.find((f) => f.relPath === 'top.jpg'), 'top.jpg');
      await sleep(300);
      assert.deepEqual(
        rec.files.map((f) => f.relPath),
        ['top.jpg'],
      );
    });
  });

  test('polling mode sees new files and rename-into-place (two folders, one watcher)', async () => {
    const shortDir = await freshFolder();
    const longDir = await freshFolder();
    const folders = [
      folderAt(shortDir, { id: 'short', polling: true, pollIntervalMs: 100, stableWindowMs: 200 }),
      folderAt(longDir, { id: 'long', polling: true, pollIntervalMs: 100, stableWindowMs: 10_000 }),
    ];
    await withWatcher(folders, async (rec) => {
      await writeFile(path.join(shortDir, 'polled.jpg'), 'polled');
      const temp = path.join(longDir, 'renamed.jpg.tmp');
      await writeFile(temp, 'renamed');
      await sleep(350);
      await rename(temp, path.join(longDir, 'renamed.jpg'));
      const polled = await waitFor(() => rec.files.find((f) => f.relPath === 'polled.jpg'), 'polled.jpg');
      assert.deepEqual([polled.folderId, polled.via, polled.size], ['short', 'stable', 6]);
      const renamed = await waitFor(
        () => rec.files.find((f) => f.relPath === 'renamed.jpg'),
        'renamed.jpg',
        3_000,
      );
      assert.deepEqual([renamed.folderId, renamed.via], ['long', 'rename']);
    });
  });

  test('a file that changes after it was handed on is handed on again; an unlink is reported', async () => {
    const dir = await freshFolder();
    const file = path.join(dir, 'log.txt');
    await withWatcher([folderAt(dir, { completion: 'stable', stableWindowMs: 150 })], async (rec) => {
      await writeFile(file, 'one');
      await waitFor(() => rec.files[0], 'first version');
      await appendFile(file, ' two');
      const second = await waitFor(() => rec.files[1], 'second version');
      assert.equal(second.size, 'one two'.length);
      assert.equal(second.relPath, 'log.txt');
      await rm(file);
      const removed = await waitFor(() => rec.removed[0], 'removed event');
      assert.deepEqual(removed, { folderId: 'cam', absPath: file, relPath: 'log.txt' });
      assert.equal(rec.files.length, 2);
    });
  });

  test('an old file moved in from elsewhere is complete at once by its mtime', async () => {
    const dir = await freshFolder();
    const outside = path.join(tmp.dir, 'outside.jpg');
    await writeFile(outside, 'old');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(outside, hourAgo, hourAgo);
    await withWatcher([folderAt(dir, { completion: 'stable', stableWindowMs: 10_000 })], async (rec) => {
      await rename(outside, path.join(dir, 'moved.jpg'));
      const seen = await waitFor(() => rec.files[0], 'moved file', 3_000);
      assert.equal(seen.via, 'stable');
      assert.equal(Math.round(seen.mtimeMs / 1000), Math.round(hourAgo.getTime() / 1000));
    });
  });

  test('a folder configured through a symlink is watched, and paths stay under the configured path', async () => {
    const real = await freshFolder();
    await mkdir(path.join(real, 'sub'));
    const link = `${real}-link`;
    await symlink(real, link);
    await withWatcher([folderAt(link, { completion: 'rename' })], async (rec) => {
      await writeFile(path.join(real, 'sub', 'via-link.jpg'), 'x');
      const seen = await waitFor(() => rec.files[0], 'file under the linked folder');
      assert.equal(seen.absPath, path.join(link, 'sub', 'via-link.jpg'));
      assert.equal(seen.relPath, 'sub/via-link.jpg');
    });
  });

  test('state is dropped once files are handed on (no growth with the number of files)', async () => {
    const dir = await freshFolder();
    await withWatcher([folderAt(dir, { completion: 'auto', stableWindowMs: 150 })], async (rec) => {
      for (let i = 0; i < 100; i++) {
        const temp = path.join(dir, `r${i}.jpg.part`);
        await writeFile(temp, 'x');
        await rename(temp, path.join(dir, `r${i}.jpg`));
        await writeFile(path.join(dir, `d${i}.jpg`), 'y');
      }
      await waitFor(() => rec.files.length === 200, '200 files', 10_000);
      assert.equal(rec.files.filter((f) => f.via === 'rename').length, 100);
      // The temp files' unlinks arrive a little after their renames.
      await sleep(300);
      const state = rec.watcher.trackedState()['cam'];
      assert.equal(state?.pending, 0);
      assert.equal(state?.tempNames, 0);
      assert.equal(state?.watching, true);
    });
  });

  test('a file rewritten in place after arriving by rename waits for the stable window again', async () => {
    const dir = await freshFolder();
    const file = path.join(dir, 'latest.jpg');
    await withWatcher([folderAt(dir, { completion: 'auto', stableWindowMs: 10_000 })], async (rec) => {
      await writeFile(`${file}.part`, 'v1');
      await rename(`${file}.part`, file);
      await waitFor(() => rec.files[0], 'the renamed file', 3_000);
      await sleep(300);
      await writeFile(file, 'version two, written in place');
      await sleep(800);
      assert.equal(rec.files.length, 1, 'the in-place rewrite was taken for a rename');
    });
  });

  test('consider() runs a scanned, unsettled file through the stable check', async () => {
    const dir = await freshFolder();
    const file = path.join(dir, 'found-by-scan.bin');
    await writeFile(file, 'fresh');
    await withWatcher([folderAt(dir, { completion: 'stable', stableWindowMs: 200 })], async (rec) => {
      rec.watcher.consider('cam', file);
      rec.watcher.consider('cam', path.join(dir, 'x.part'));
      rec.watcher.consider('cam', path.join(tmp.dir, 'not-in-folder.jpg'));
      const seen = await waitFor(() => rec.files[0], 'considered file');
      assert.equal(seen.relPath, 'found-by-scan.bin');
      assert.equal(seen.via, 'stable');
      await sleep(300);
      assert.equal(rec.files.length, 1);
      assert.throws(() => rec.watcher.consider('nope', file), /no capture folder has id "nope"/);
    });
  });
});
