import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { describeFsError } from '../main/engine/watch/problems.ts';
import { CaptureWatcher } from '../main/engine/watch/watcher.ts';
import { folderAt, makeTempDir, sleep, waitFor } from './support/fs-helpers.ts';
import { withWatcher } from './support/watch-recorder.ts';

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await makeTempDir('watch-problems-');
});
afterAll(async () => {
  await tmp.cleanup();
});

// EACCES cannot be produced here: the tests run as root, which chmod 000 does not stop. The
// permission wording is covered through describeFsError below; the code path is the same.

describe('CaptureWatcher problems', () => {
  test('a missing folder is reported, retried, and watched once it appears', async () => {
    const ok = path.join(tmp.dir, 'present');
    await mkdir(ok);
    const missing = path.join(tmp.dir, 'mount', 'later');
    const folders = [folderAt(ok, { id: 'ok' }), folderAt(missing, { id: 'late', completion: 'rename' })];
    await withWatcher(
      folders,
      async (rec) => {
        const problem = rec.problems.find((p) => p.folderId === 'late');
        assert.ok(problem, 'no problem for the missing folder');
        assert.equal(problem.code, 'ENOENT');
        assert.equal(problem.fatal, true);
        assert.equal(problem.path, missing);
        assert.match(problem.message, /capture folder "late" .* does not exist/);
        assert.match(problem.hint, /create the folder .*folders\[1\]\.path/);
        assert.deepEqual(rec.watching, [{ folderId: 'ok', path: ok, recovered: false }]);
        await sleep(300);
        assert.equal(rec.problems.length, 1, 'the same problem was reported again on every retry');

        await mkdir(missing, { recursive: true });
        await waitFor(() => rec.watching.find((w) => w.folderId === 'late'), 'the late folder to be watched');
        assert.equal(rec.watching.at(-1)?.recovered, true);
        await writeFile(path.join(missing, 'arrived.jpg'), 'x');
        const seen = await waitFor(() => rec.files[0], 'a file in the late folder');
        assert.deepEqual([seen.folderId, seen.relPath], ['late', 'arrived.jpg']);
      },
      { retryIntervalMs: 100 },
    );
  });

  test('a file given as the folder path is reported', async () => {
    const file = path.join(tmp.dir, 'not-a-folder.txt');
    await writeFile(file, 'x');
    await withWatcher(
      [folderAt(file, { id: 'oops' })],
      async (rec) => {
        assert.equal(rec.problems.length, 1);
        const [problem] = rec.problems;
        assert.equal(problem?.code, 'ENOTDIR');
        assert.equal(problem?.fatal, true);
        assert.match(problem?.message ?? '', /is not a folder/);
        assert.match(problem?.hint ?? '', /folders\[0\]\.path/);
        assert.equal(rec.watching.length, 0);
      },
      { retryIntervalMs: 100 },
    );
  });

  test('a folder removed while watched is reported and watched again when it comes back', async () => {
    const dir = path.join(tmp.dir, 'flaky-mount');
    await mkdir(dir);
    await withWatcher(
      [folderAt(dir, { id: 'flaky', completion: 'rename' })],
      async (rec) => {
        await rm(dir, { recursive: true });
        const lost = await waitFor(
          () => rec.problems.find((p) => p.code === 'ENOENT'),
          'the lost-folder problem',
        );
        assert.equal(lost.fatal, true);
        await mkdir(dir);
        await waitFor(() => rec.watching.find((w) => w.recovered), 'the folder to be watched again');
        await writeFile(path.join(dir, 'back.jpg'), 'x');
        const seen = await waitFor(
          () => rec.files.find((f) => f.relPath === 'back.jpg'),
          'a file after recovery',
        );
        assert.equal(seen.folderId, 'flaky');
      },
      { retryIntervalMs: 100 },
    );
  });

  test('a listener that throws becomes a problem instead of a crash', async () => {
    const dir = path.join(tmp.dir, 'listener');
    await mkdir(dir);
    await withWatcher([folderAt(dir, { completion: 'rename' })], async (rec) => {
      rec.watcher.prependListener('file', () => {
        throw new Error('boom');
      });
      await writeFile(path.join(dir, 'a.jpg'), 'x');
      const problem = await waitFor(
        () => rec.problems.find((p) => p.code === 'LISTENER'),
        'listener problem',
      );
      assert.match(problem.message, /"file" listener threw: boom/);
    });
  });

  test('stop() during start() settles both promptly and emits nothing afterwards', async () => {
    const dir = path.join(tmp.dir, 'stop-early');
    await mkdir(dir);
    const watcher = new CaptureWatcher(
      [folderAt(dir), folderAt(path.join(tmp.dir, 'absent'), { id: 'absent' })],
      {
        retryIntervalMs: 50,
      },
    );
    const events: string[] = [];
    watcher.on('file', () => events.push('file'));
    const starting = watcher.start();
    await watcher.stop();
    await starting;
    await writeFile(path.join(dir, 'late.jpg'), 'x');
    await sleep(400);
    assert.deepEqual(events, []);
    await assert.rejects(watcher.start(), /called twice/);
  });

  test('two folders with one id are refused with the field to fix', () => {
    const a = folderAt(tmp.dir, { id: 'same' });
    assert.throws(
      () => new CaptureWatcher([a, { ...a }]),
      /folders\[1\] has the same id "same" as folders\[0\]/,
    );
  });
});

describe('describeFsError', () => {
  const ref = { folderId: 'cam', root: '/data/cam', configPath: 'folders[0].path' };
  const fsError = (code: string, where: string) =>
    Object.assign(new Error(`${code}: failed, watch '${where}'`), { code, path: where });

  test('the inotify limit names the sysctl and the polling switch', () => {
    const problem = describeFsError(ref, fsError('ENOSPC', '/data/cam/sub'), '/data/cam', 'watch');
    assert.equal(problem.code, 'ENOSPC');
    assert.equal(problem.path, '/data/cam/sub');
    assert.equal(problem.fatal, true);
    assert.match(problem.message, /inotify watches is used up/);
    assert.match(problem.hint, /sysctl fs\.inotify\.max_user_watches=524288/);
    assert.match(problem.hint, /`polling: true`/);
  });

  test('too many open files names ulimit -n', () => {
    const problem = describeFsError(ref, fsError('EMFILE', '/data/cam'), '/data/cam', 'watch');
    assert.match(problem.hint, /ulimit -n/);
    assert.equal(problem.fatal, true);
  });

  test('permission denied says who needs which permission; only the folder itself is fatal', () => {
    const root = describeFsError(ref, fsError('EACCES', '/data/cam'), '/data/cam', 'watch');
    assert.equal(root.fatal, true);
    assert.match(root.message, /Permission denied .*capture folder "cam"/);
    assert.match(root.hint, /read and execute permission/);
    const sub = describeFsError(ref, fsError('EACCES', '/data/cam/private'), '/data/cam', 'list');
    assert.equal(sub.fatal, false);
    assert.match(sub.message, /\/data\/cam\/private in folder "cam"/);
  });

  test('an unknown error keeps its own message', () => {
    const problem = describeFsError(ref, new Error('disk on fire'), '/data/cam/x', 'read');
    assert.equal(problem.code, 'EUNKNOWN');
    assert.match(problem.message, /disk on fire/);
  });
});
