/** After-upload retention (keep, delete, archive), keepFor expiry and crash catch-up, on real files and a real queue. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'vitest';
import { RetentionManager } from '../main/engine/retention/retention.ts';
import { waitFor } from './support/fs-helpers.ts';
import {
  exists,
  type Fixture,
  historyLines,
  makeFixture,
  queueCapture,
  uploadedCapture,
} from './support/retention-fixture.ts';

const HOUR = 3_600_000;
let fx: Fixture;
beforeEach(async () => {
  fx = await makeFixture();
});
afterEach(async () => {
  await fx.cleanup();
});

function manager(raw: Parameters<Fixture['settings']>[0] = {}): RetentionManager {
  return new RetentionManager(fx.queue, fx.settings(raw), { folders: [fx.folder], now: () => fx.clock.now });
}

describe('after upload', () => {
  test('keep: the file stays and the record becomes retained', async () => {
    const id = await uploadedCapture(fx, 'a.jpg', 100);
    const result = await manager({ afterUpload: 'keep' }).afterUpload(id);
    assert.equal(result.outcome, 'retained');
    assert.equal(fx.queue.get(id)?.state, 'retained');
    assert.equal(await exists(join(fx.captures, 'a.jpg')), true);
    assert.match(
      historyLines(fx, id).at(-1) ?? '',
      /^uploaded→retained: Uploaded; kept the local copy .*a\.jpg/,
    );
  });

  test('keep is the default', async () => {
    const id = await uploadedCapture(fx, 'a.jpg', 100);
    await manager(undefined).afterUpload(id);
    assert.equal(fx.queue.get(id)?.state, 'retained');
  });

  test('delete: the file is gone and the log says what was deleted and why', async () => {
    const id = await uploadedCapture(fx, 'sub/b.bin', 2048);
    const result = await manager({ afterUpload: 'delete' }).afterUpload(id);
    assert.equal(result.outcome, 'deleted');
    assert.equal(await exists(join(fx.captures, 'sub/b.bin')), false);
    const record = fx.queue.get(id);
    assert.equal(record?.state, 'removed');
    assert.match(record?.reason ?? '', /Deleted locally after upload/);
    const last = historyLines(fx, id).at(-1) ?? '';
    assert.match(last, /^uploaded→removed: Deleted the local copy .*sub\/b\.bin \(2\.0 KiB, uploaded\)/);
    assert.match(last, /afterUpload is "delete"/);
  });

  test('archive: the file moves to archiveDir/<folder>/<path> with its content and mtime', async () => {
    const mtime = Date.UTC(2024, 5, 1, 12, 0, 0);
    const id = await uploadedCapture(fx, 'day1/c.txt', 500, mtime);
    const original = await readFile(join(fx.captures, 'day1/c.txt'));
    const archiveDir = join(fx.root, 'archive');
    const result = await manager({ afterUpload: 'archive', archiveDir }).afterUpload(id);
    assert.equal(result.outcome, 'archived');
    const archived = join(archiveDir, 'cam', 'day1/c.txt');
    assert.equal(await exists(join(fx.captures, 'day1/c.txt')), false);
    assert.deepEqual(await readFile(archived), original);
    assert.equal(Math.floor((await stat(archived)).mtimeMs), mtime);
    assert.equal(fx.queue.get(id)?.reason, `Archived to ${archived}`);
    assert.match(
      historyLines(fx, id).at(-1) ?? '',
      /^uploaded→removed: Archived .*day1\/c\.txt .* to .*archive\/cam\/day1\/c\.txt/,
    );
  });

  test('archive never overwrites an earlier archived copy of the same path', async () => {
    const archiveDir = join(fx.root, 'archive');
    const retention = manager({ afterUpload: 'archive', archiveDir });
    const first = await uploadedCapture(fx, 'img.jpg', 10);
    await retention.afterUpload(first);
    // The camera reuses the name: a new capture at the same path.
    const second = await uploadedCapture(fx, 'img.jpg', 20);
    assert.equal(second, first, 'the queue reuses the row for a path that appears again');
    await retention.afterUpload(second);
    assert.equal((await stat(join(archiveDir, 'cam/img.jpg'))).size, 10);
    assert.equal((await stat(join(archiveDir, 'cam/img~2.jpg'))).size, 20);
    assert.equal(fx.queue.get(second)?.reason, `Archived to ${join(archiveDir, 'cam/img~2.jpg')}`);
  });

  test('archive across filesystems copies, syncs, keeps the mtime, then deletes the original', async () => {
    // /dev/shm is a tmpfs: a real second filesystem, so rename() fails with EXDEV and the copy path runs.
    const archiveDir = await mkdtemp('/dev/shm/edge-retention-archive-');
    try {
      assert.notEqual(
        (await stat(archiveDir)).dev,
        (await stat(fx.captures)).dev,
        '/dev/shm must be another filesystem',
      );
      const mtime = Date.UTC(2024, 1, 2, 3, 4, 5);
      const id = await uploadedCapture(fx, 'x/big.bin', 300_000, mtime);
      const original = await readFile(join(fx.captures, 'x/big.bin'));
      const result = await manager({ afterUpload: 'archive', archiveDir }).afterUpload(id);
      assert.equal(result.outcome, 'archived');
      const archived = join(archiveDir, 'cam/x/big.bin');
      assert.deepEqual(await readFile(archived), original);
      assert.equal(Math.floor((await stat(archived)).mtimeMs), mtime);
      assert.equal(await exists(join(fx.captures, 'x/big.bin')), false);
      assert.deepEqual(
        await readdir(join(archiveDir, 'cam/x')),
        ['big.bin'],
        'no temporary copy is left behind',
      );
    } finally {
      await rm(archiveDir, { recursive: true, force: true });
    }
  });

  test('the default archive folder is <dataDir>/archive', async () => {
    const id = await uploadedCapture(fx, 'd.raw', 10);
    await manager({ afterUpload: 'archive' }).afterUpload(id);
    assert.equal(await exists(join(fx.dataDir, 'archive/cam/d.raw')), true);
  });

  test('a file that changed since upload is not deleted; the log says why', async () => {
    const id = await uploadedCapture(fx, 'e.csv', 100);
    await writeFile(join(fx.captures, 'e.csv'), 'a different, newer version of the file');
    const result = await manager({ afterUpload: 'delete' }).afterUpload(id);
    assert.equal(result.outcome, 'changed');
    assert.equal(
      await readFile(join(fx.captures, 'e.csv'), 'utf8'),
      'a different, newer version of the file',
    );
    assert.equal(fx.queue.get(id)?.state, 'removed', 'the uploaded version is no longer on disk');
    assert.match(
      historyLines(fx, id).at(-1) ?? '',
      /Did not remove .*e\.csv: its size is now .* captured again as a new version/,
    );
  });

  test('a file that changed is not archived either', async () => {
    const id = await uploadedCapture(fx, 'f.csv', 100);
    await writeFile(join(fx.captures, 'f.csv'), 'x'.repeat(100)); // same size, new mtime
    const past = new Date(Date.UTC(2020, 0, 1));
    await utimes(join(fx.captures, 'f.csv'), past, past);
    const archiveDir = join(fx.root, 'archive');
    const result = await manager({ afterUpload: 'archive', archiveDir }).afterUpload(id);
    assert.equal(result.outcome, 'changed');
    assert.equal(await exists(join(fx.captures, 'f.csv')), true);
    assert.equal(await exists(join(archiveDir, 'cam/f.csv')), false);
    assert.match(result.detail, /it was modified at 2020-01-01T00:00:00\.000Z/);
  });

  test('a file already gone is recorded and retention moves on', async () => {
    const id = await uploadedCapture(fx, 'g.bin', 10);
    await rm(join(fx.captures, 'g.bin'));
    const result = await manager({ afterUpload: 'delete' }).afterUpload(id);
    assert.equal(result.outcome, 'gone');
    assert.equal(fx.queue.get(id)?.state, 'removed');
    assert.match(historyLines(fx, id).at(-1) ?? '', /was already gone from disk/);
  });

  test('a file whose upload is not confirmed is never touched', async () => {
    const id = await queueCapture(fx, 'h.bin', 10);
    const result = await manager({ afterUpload: 'delete' }).afterUpload(id);
    assert.equal(result.outcome, 'not-uploaded');
    assert.equal(fx.queue.get(id)?.state, 'queued');
    assert.equal(await exists(join(fx.captures, 'h.bin')), true);
  });

  test('afterUpload twice does the work once', async () => {
    const id = await uploadedCapture(fx, 'i.bin', 10);
    const retention = manager({ afterUpload: 'delete' });
    const [one, two] = await Promise.all([retention.afterUpload(id), retention.afterUpload(id)]);
    assert.deepEqual([one.outcome, two.outcome].sort(), ['busy', 'deleted']);
    assert.equal((await retention.afterUpload(id)).outcome, 'not-uploaded');
    assert.equal(historyLines(fx, id).filter((line) => line.includes('→removed')).length, 1);
  });
});

describe('keepFor', () => {
  test('kept copies are deleted once keepFor has passed, not before', async () => {
    const id = await uploadedCapture(fx, 'k.jpg', 100);
    const retention = manager({ afterUpload: 'keep', keepFor: '2h' });
    await retention.afterUpload(id);
    fx.clock.now += 1 * HOUR;
    assert.equal((await retention.sweep()).expired.length, 0);
    assert.equal(await exists(join(fx.captures, 'k.jpg')), true);
    fx.clock.now += 1.5 * HOUR;
    const report = await retention.sweep();
    assert.deepEqual(
      report.expired.map((r) => [r.fileId, r.outcome]),
      [[id, 'deleted']],
    );
    assert.equal(await exists(join(fx.captures, 'k.jpg')), false);
    assert.equal(fx.queue.get(id)?.state, 'removed');
    assert.match(
      historyLines(fx, id).at(-1) ?? '',
      /^retained→removed: Deleted the local copy .*kept for 2\.0 h after upload \(keepFor\)/,
    );
  });

  test('archived copies are deleted once keepFor has passed', async () => {
    const archiveDir = join(fx.root, 'archive');
    const id = await uploadedCapture(fx, 'sub/l.jpg', 100);
    const retention = manager({ afterUpload: 'archive', archiveDir, keepFor: '1d' });
    await retention.afterUpload(id);
    const archived = join(archiveDir, 'cam/sub/l.jpg');
    fx.clock.now += 23 * HOUR;
    await retention.sweep();
    assert.equal(await exists(archived), true);
    fx.clock.now += 2 * HOUR;
    const report = await retention.sweep();
    assert.deepEqual(
      report.expired.map((r) => r.outcome),
      ['deleted'],
    );
    assert.equal(await exists(archived), false);
    assert.match(fx.queue.get(id)?.reason ?? '', /^Archived copy deleted: kept for 1\.0 d/);
    assert.match(
      historyLines(fx, id).at(-1) ?? '',
      /^removed→removed: Deleted the archived copy .*cam\/sub\/l\.jpg/,
    );
    fx.clock.now += 10 * 24 * HOUR;
    assert.equal((await retention.sweep()).expired.length, 0, 'an expired archive is handled once');
  });

  test('a kept copy that changed is left alone at expiry', async () => {
    const id = await uploadedCapture(fx, 'm.txt', 10);
    const retention = manager({ afterUpload: 'keep', keepFor: '1h' });
    await retention.afterUpload(id);
    await writeFile(join(fx.captures, 'm.txt'), 'edited by someone after the upload');
    fx.clock.now += 2 * HOUR;
    const report = await retention.sweep();
    assert.deepEqual(
      report.expired.map((r) => r.outcome),
      ['changed'],
    );
    assert.equal(await readFile(join(fx.captures, 'm.txt'), 'utf8'), 'edited by someone after the upload');
  });

  test('files not uploaded are never expired', async () => {
    const id = await queueCapture(fx, 'n.bin', 10);
    fx.clock.now += 100 * HOUR;
    await manager({ afterUpload: 'delete', keepFor: 0 }).sweep();
    assert.equal(fx.queue.get(id)?.state, 'queued');
    assert.equal(await exists(join(fx.captures, 'n.bin')), true);
  });
});

describe('sweep after a crash', () => {
  test('uploaded rows left over by a crash are handled by the next sweep', async () => {
    const first = await uploadedCapture(fx, 'o1.bin', 10);
    const second = await uploadedCapture(fx, 'o2.bin', 10);
    // The process died between "uploaded" and the after-upload step: a new process opens the same queue.
    const queue = fx.reopenQueue();
    assert.deepEqual(queue.idsInState('uploaded'), [first, second]);
    const report = await manager({ afterUpload: 'delete' }).sweep();
    assert.deepEqual(
      report.caughtUp.map((r) => [r.fileId, r.outcome]),
      [
        [first, 'deleted'],
        [second, 'deleted'],
      ],
    );
    assert.equal(await exists(join(fx.captures, 'o1.bin')), false);
    assert.equal(await exists(join(fx.captures, 'o2.bin')), false);
    const removals = queue.changesSince(0).filter((c) => c.to === 'removed');
    assert.deepEqual(
      removals.map((c) => c.relPath),
      ['o1.bin', 'o2.bin'],
    );
    assert.ok(removals.every((c) => /Deleted the local copy/.test(c.detail ?? '')));
  });

  test('start() sweeps at once and stop() waits for the pass', async () => {
    const id = await uploadedCapture(fx, 'p.bin', 10);
    const retention = manager({ afterUpload: 'keep' });
    retention.start();
    await waitFor(() => fx.queue.get(id)?.state === 'retained', 'the first pass to keep p.bin');
    await retention.stop();
    assert.equal(retention.status().running, false);
    assert.equal(retention.status().lastSweep?.caughtUp, 1);
  });
});

test('an archive folder inside a capture folder is refused', () => {
  assert.throws(() => manager({ afterUpload: 'archive', archiveDir: join(fx.captures, 'archive') }), {
    message: /\/retention\/archiveDir: The archive folder .* overlaps the capture folder/,
  });
});
