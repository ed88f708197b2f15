/**
 * The watcher's raw-event path: a file that appears under its final name is taken from chokidar's
 * raw (native) event, without waiting for chokidar's own, serialized `add`, and chokidar is told to
 * leave it alone. Here chokidar's `add` events are held back (real chokidar, real files; only its
 * emit is intercepted) to show what is handed on without them, that the completeness rules still
 * hold, and that chokidar itself no longer looks at those files.
 */
import assert from 'node:assert/strict';
import { mkdir, open, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FSWatcher } from 'chokidar';
import { afterAll, afterEach, beforeAll, describe, test } from 'vitest';
import { folderAt, makeTempDir, sleep, waitFor } from './support/fs-helpers.ts';
import { withWatcher } from './support/watch-recorder.ts';

type EmitWithAll = (this: FSWatcher, event: string, args: unknown[]) => void;
const proto = FSWatcher.prototype as unknown as { emitWithAll: EmitWithAll };
const original = proto.emitWithAll;
const held: { watcher: FSWatcher; args: unknown[] }[] = [];
let holding = false;

function holdAdds(): void {
  holding = true;
}
/** Lets chokidar's held `add` events through, in order. */
function releaseAdds(): number {
  holding = false;
  const count = held.length;
  for (const { watcher, args } of held.splice(0)) original.call(watcher, 'add', args);
  return count;
}

let tmp: { dir: string; cleanup: () => Promise<void> };
let counter = 0;
async function freshFolder(): Promise<string> {
  const dir = path.join(tmp.dir, `f${counter++}`);
  await mkdir(dir);
  return dir;
}

beforeAll(async () => {
  tmp = await makeTempDir('watch-raw-test-');
  proto.emitWithAll = function (this: FSWatcher, event, args) {
    if (holding && event === 'add') held.push({ watcher: this, args });
    else original.call(this, event, args);
  };
});
afterEach(() => {
  holding = false;
  held.length = 0;
});
afterAll(async () => {
  proto.emitWithAll = original;
  await tmp.cleanup();
});

describe('CaptureWatcher raw-event path', () => {
  test('rename mode: files renamed in are handed on from raw events; chokidar leaves them alone, yet their changes and removal are reported', async () => {
    const dir = await freshFolder();
    const staging = path.join(tmp.dir, `staging${counter}`);
    await mkdir(staging);
    const names = Array.from({ length: 40 }, (_, i) => `shot${i}.jpg`);
    for (const name of names) await writeFile(path.join(staging, name), `bytes of ${name}`);
    await withWatcher([folderAt(dir, { completion: 'rename' })], async (rec) => {
      holdAdds();
      for (const name of names) await rename(path.join(staging, name), path.join(dir, name));
      await waitFor(() => rec.files.length === names.length, 'every renamed file', 30_000);
      assert.deepEqual(rec.files.map((f) => f.relPath).sort(), [...names].sort());
      assert.ok(rec.files.every((f) => f.via === 'rename'));
      const shot0 = rec.files.find((f) => f.relPath === 'shot0.jpg');
      assert.equal(shot0?.size, 'bytes of shot0.jpg'.length);
      // chokidar ignores the files taken from raw events: no stat, no tracking, no `add` of its own.
      await sleep(500);
      assert.equal(held.length, 0, 'chokidar looked at files the watcher had taken over');
      releaseAdds();
      assert.equal(rec.files.length, names.length, 'a file was handed on twice');

      // Rewritten in place: handed on again with its new size.
      await writeFile(path.join(dir, 'shot1.jpg'), 'rewritten, and longer than before');
      await waitFor(
        () =>
          rec.files.find(
            (f) => f.relPath === 'shot1.jpg' && f.size === 'rewritten, and longer than before'.length,
          ),
        'shot1.jpg rewritten',
        20_000,
      );
      // Removed, or renamed away: reported once.
      await unlink(path.join(dir, 'shot2.jpg'));
      await rename(path.join(dir, 'shot3.jpg'), path.join(staging, 'away.jpg'));
      await waitFor(() => rec.removed.length >= 2, 'two removals', 20_000);
      await sleep(300);
      assert.deepEqual(rec.removed.map((r) => r.relPath).sort(), ['shot2.jpg', 'shot3.jpg']);
      // A folder that takes a removed file's name is still watched (chokidar's again).
      await mkdir(path.join(dir, 'shot2.jpg'));
      await writeFile(path.join(dir, 'shot2.jpg', 'inner.jpg'), 'inside the new folder');
      await waitFor(
        () => rec.files.find((f) => f.relPath === 'shot2.jpg/inner.jpg'),
        'a file in a folder created where a removed file was',
        20_000,
      );
    });
  });

  test('a subfolder moved out as a whole: its files are reported removed, those taken from raw events too', async () => {
    const dir = await freshFolder();
    const outside = path.join(tmp.dir, `outside${counter}`);
    await withWatcher([folderAt(dir, { completion: 'rename' })], async (rec) => {
      await mkdir(path.join(dir, 'sub'));
      await writeFile(path.join(dir, 'sub', 'a.jpg'), 'first');
      await waitFor(() => rec.files.find((f) => f.relPath === 'sub/a.jpg'), 'sub/a.jpg', 20_000);
      // The subfolder is watched now: this one comes from its raw event.
      await writeFile(path.join(tmp.dir, `b${counter}.jpg`), 'second');
      await rename(path.join(tmp.dir, `b${counter}.jpg`), path.join(dir, 'sub', 'b.jpg'));
      await waitFor(() => rec.files.find((f) => f.relPath === 'sub/b.jpg'), 'sub/b.jpg', 20_000);
      await rename(path.join(dir, 'sub'), outside);
      await waitFor(
        () => ['sub/a.jpg', 'sub/b.jpg'].every((rel) => rec.removed.some((r) => r.relPath === rel)),
        'both files reported removed',
        20_000,
      );
      assert.equal(
        rec.removed.find((r) => r.relPath === 'sub/b.jpg')?.absPath,
        path.join(dir, 'sub', 'b.jpg'),
      );
    });
  });

  test('auto mode: a rename from a temp name is complete at once; a file written in place still waits', async () => {
    const dir = await freshFolder();
    await withWatcher([folderAt(dir, { completion: 'auto', stableWindowMs: 10_000 })], async (rec) => {
      holdAdds();
      await writeFile(path.join(dir, 'direct.jpg'), 'written in place under its final name');
      const temp = path.join(dir, 'shot.jpg.part');
      await writeFile(temp, 'jpeg bytes');
      await rename(temp, path.join(dir, 'shot.jpg'));
      const seen = await waitFor(() => rec.files[0], 'the renamed file', 20_000);
      assert.equal(seen.relPath, 'shot.jpg');
      assert.equal(seen.via, 'rename');
      assert.equal(seen.size, 'jpeg bytes'.length);
      await sleep(800);
      assert.deepEqual(
        rec.files.map((f) => f.relPath),
        ['shot.jpg'],
        'a file written in place was handed on before its stable window',
      );
      releaseAdds();
      await sleep(300);
      assert.deepEqual(
        rec.files.map((f) => f.relPath),
        ['shot.jpg'],
      );
    });
  });

  test('an empty file is not handed on from its raw event (its data may still be on the way)', async () => {
    const dir = await freshFolder();
    await withWatcher([folderAt(dir, { completion: 'rename' })], async (rec) => {
      holdAdds();
      await (await open(path.join(dir, 'empty.jpg'), 'w')).close();
      await writeFile(path.join(dir, 'full.jpg'), 'data');
      await waitFor(() => rec.files.find((f) => f.relPath === 'full.jpg'), 'full.jpg', 20_000);
      await sleep(300);
      assert.equal(
        rec.files.find((f) => f.relPath === 'empty.jpg'),
        undefined,
        'an empty file was handed on from its raw event',
      );
    });
  });
});
