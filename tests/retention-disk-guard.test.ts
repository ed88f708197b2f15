/** The disk guard on real files and a real queue: oldest uploaded copies go first, then whenFull applies. */
import assert from 'node:assert/strict';
import { readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'vitest';
import type { CaptureGate, StatfsReader } from '../main/engine/retention/disk-guard.ts';
import { RetentionManager } from '../main/engine/retention/retention.ts';
import type { RetentionConfig } from '../shared/upload-config.ts';
import {
  confirmUpload,
  exists,
  type Fixture,
  historyLines,
  makeFixture,
  queueCapture,
  uploadedCapture,
} from './support/retention-fixture.ts';

const T0 = Date.UTC(2024, 0, 1);
const minute = (n: number) => T0 + n * 60_000;

let fx: Fixture;
beforeEach(async () => {
  fx = await makeFixture();
});
afterEach(async () => {
  await fx.cleanup();
});

function manager(raw: RetentionConfig, statfs?: StatfsReader): RetentionManager {
  return new RetentionManager(fx.queue, fx.settings(raw), {
    folders: [fx.folder],
    now: () => fx.clock.now,
    statfs,
  });
}

/** A retained (uploaded and kept) capture. */
async function retainedCapture(retention: RetentionManager, relPath: string, size: number, mtimeMs: number) {
  const id = await uploadedCapture(fx, relPath, size, mtimeMs);
  assert.equal((await retention.afterUpload(id)).outcome, 'retained');
  return id;
}

function gates(retention: RetentionManager): CaptureGate[] {
  const seen: CaptureGate[] = [];
  retention.on('pause', (gate) => seen.push(gate));
  retention.on('resume', (gate) => seen.push(gate));
  return seen;
}

function removalSeq(id: number): number {
  const change = fx.queue.history(id).find((c) => c.to === 'removed' || c.to === 'vanished');
  assert.ok(change, `file ${id} has no removal in its history`);
  return change.seq;
}

/** Five 1000-byte captures, oldest first: queued, retained, uploaded, retained, queued. */
async function mixedFolder(retention: RetentionManager) {
  return {
    q0: await queueCapture(fx, 'q0.bin', 1000, minute(0)),
    r1: await retainedCapture(retention, 'r1.bin', 1000, minute(1)),
    u2: await uploadedCapture(fx, 'u2.bin', 1000, minute(2)),
    r3: await retainedCapture(retention, 'r3.bin', 1000, minute(3)),
    q4: await queueCapture(fx, 'q4.bin', 1000, minute(4)),
  };
}

describe('maxBytes (real files)', () => {
  test('deletes the oldest retained copies first and stops once under the limit', async () => {
    const retention = manager({ diskGuard: { maxBytes: 3500 } });
    const ids = await mixedFolder(retention);
    const report = await retention.checkDisk();
    assert.deepEqual(
      report.removed.map((r) => r.fileId),
      [ids.r1, ids.r3],
    );
    assert.equal(report.usedBytes, 3000);
    assert.equal(report.full, false);
    assert.ok(removalSeq(ids.r1) < removalSeq(ids.r3));
    for (const name of ['q0.bin', 'u2.bin', 'q4.bin'])
      assert.equal(await exists(join(fx.captures, name)), true, name);
    for (const name of ['r1.bin', 'r3.bin']) assert.equal(await exists(join(fx.captures, name)), false, name);
    assert.match(
      historyLines(fx, ids.r1).at(-1) ?? '',
      /^retained→removed: Deleted the local copy .*r1\.bin .*the disk guard needed space \(the capture folders hold 4\.9 KiB, over the 3\.4 KiB limit \(maxBytes\)\)/,
    );
    assert.equal(retention.capturePaused, false);
  });

  test('then uploaded copies; then pauses without touching files that were not uploaded, and resumes', async () => {
    const retention = manager({ diskGuard: { maxBytes: 1500 } });
    const seen = gates(retention);
    const ids = await mixedFolder(retention);
    const report = await retention.checkDisk();
    assert.deepEqual(
      report.removed.map((r) => r.fileId),
      [ids.r1, ids.r3, ids.u2],
    );
    assert.equal(report.full, true);
    assert.equal(retention.capturePaused, true);
    assert.equal(fx.queue.get(ids.q0)?.state, 'queued');
    assert.equal(await exists(join(fx.captures, 'q0.bin')), true);
    assert.equal(await exists(join(fx.captures, 'q4.bin')), true);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.capturePaused, true);
    assert.match(
      seen[0]?.reason ?? '',
      /^Capture paused: the capture folders hold 2\.0 KiB, over the 1\.5 KiB limit \(maxBytes\), and no uploaded file is left that could be deleted$/,
    );
    const notes = fx.queue.changesSince(0).filter((c) => c.fileId === null);
    assert.deepEqual(
      notes.map((n) => n.kind),
      ['disk-guard', 'capture-paused'],
    );
    assert.match(
      notes[0]?.detail ?? '',
      /deleted 3 uploaded or archived copies, 0 files that were NOT uploaded/,
    );

    await retention.checkDisk();
    assert.equal(seen.length, 1, 'still full: no second pause event');

    confirmUpload(fx, ids.q0);
    const after = await retention.checkDisk();
    assert.deepEqual(
      after.removed.map((r) => r.fileId),
      [ids.q0],
    );
    assert.equal(retention.capturePaused, false);
    assert.equal(seen.at(-1)?.capturePaused, false);
    assert.match(seen.at(-1)?.reason ?? '', /^Capture resumed\. .*hold 1000 B, within the 1\.5 KiB limit/);
    assert.equal(await exists(join(fx.captures, 'q4.bin')), true);
  });

  test('drop-newest: files not uploaded stay; new files are to be dropped while full', async () => {
    const retention = manager({ diskGuard: { maxBytes: 1500, whenFull: 'drop-newest' } });
    const seen = gates(retention);
    const a = await queueCapture(fx, 'a.bin', 1000, minute(0));
    await queueCapture(fx, 'b.bin', 1000, minute(1));
    const report = await retention.checkDisk();
    assert.deepEqual(report.removed, []);
    assert.equal(retention.shouldDropNew(), true);
    assert.equal(retention.capturePaused, false);
    assert.deepEqual(seen, []);
    assert.match(
      report.reason ?? '',
      /^Disk full, new files are not being taken in: the capture folders hold 2\.0 KiB/,
    );
    assert.equal(await exists(join(fx.captures, 'a.bin')), true);
    assert.equal(await exists(join(fx.captures, 'b.bin')), true);

    confirmUpload(fx, a);
    await retention.checkDisk();
    assert.equal(retention.shouldDropNew(), false);
    assert.equal(retention.status().diskGuard.dropNew, false);
  });

  test('delete-oldest: deletes files that were NOT uploaded, only after uploaded ones, and says so loudly', async () => {
    const retention = manager({ diskGuard: { maxBytes: 1500, whenFull: 'delete-oldest' } });
    const q0 = await queueCapture(fx, 'q0.bin', 1000, minute(0));
    const r1 = await retainedCapture(retention, 'r1.bin', 1000, minute(1));
    const h2 = await queueCapture(fx, 'h2.bin', 1000, minute(2));
    fx.queue.transition(h2, 'held', { reason: 'waiting for review' });
    const q3 = await queueCapture(fx, 'q3.bin', 1000, minute(3));
    const report = await retention.checkDisk();
    assert.deepEqual(
      report.removed.map((r) => r.fileId),
      [r1, q0, h2],
    );
    assert.equal(report.full, false);
    assert.equal(retention.capturePaused, false);
    assert.equal(await exists(join(fx.captures, 'q0.bin')), false);
    assert.equal(await exists(join(fx.captures, 'h2.bin')), false);
    assert.equal(await exists(join(fx.captures, 'q3.bin')), true);
    assert.equal(fx.queue.get(q3)?.state, 'queued');
    for (const id of [q0, h2]) {
      const record = fx.queue.get(id);
      assert.equal(record?.state, 'vanished');
      assert.equal(record?.reason, 'Deleted WITHOUT upload by the disk guard');
      assert.match(
        historyLines(fx, id).at(-1) ?? '',
        /→vanished: DELETED WITHOUT UPLOAD: .*whenFull is "delete-oldest"/,
      );
    }
    assert.match(historyLines(fx, h2).at(-1) ?? '', /\(1000 B, was held\)/);
  });

  test('delete-oldest also clears files too large to upload (through skipped, as the state machine requires)', async () => {
    const retention = manager({ diskGuard: { maxBytes: 500, whenFull: 'delete-oldest' } });
    const big = await queueCapture(fx, 'big.bin', 1000, minute(0));
    fx.queue.transition(big, 'skipped', { reason: 'test' });
    fx.queue.revisit(big, 'looked at again');
    fx.queue.transition(big, 'too_large', { reason: 'over the 500 B maximum' });
    await retention.checkDisk();
    assert.equal(fx.queue.get(big)?.state, 'vanished');
    assert.equal(await exists(join(fx.captures, 'big.bin')), false);
    const lines = historyLines(fx, big).slice(-2);
    assert.match(lines[0] ?? '', /^too_large→skipped: Set aside by the disk guard for deletion/);
    assert.match(lines[1] ?? '', /^skipped→vanished: DELETED WITHOUT UPLOAD/);
  });

  test('a capture folder that cannot be read is reported once, not on every check', async () => {
    const missing = { ...fx.folder, id: 'gone', path: join(fx.root, 'unmounted') };
    const retention = new RetentionManager(fx.queue, fx.settings({ diskGuard: { minFreeBytes: 1 } }), {
      folders: [fx.folder, missing],
      now: () => fx.clock.now,
    });
    const first = await retention.checkDisk();
    await retention.checkDisk();
    assert.match(first.problems[0] ?? '', /Cannot check free space for capture folder .*unmounted: ENOENT/);
    const notes = fx.queue.changesSince(0).filter((c) => c.kind === 'disk-guard-problem');
    assert.equal(notes.length, 1);
    assert.equal(retention.status().diskGuard.lastCheck?.problems.length, 1);
  });

  test('a retained file that changed on disk is not deleted to free space', async () => {
    const retention = manager({ diskGuard: { maxBytes: 500 } });
    const id = await retainedCapture(retention, 'c.bin', 1000, minute(0));
    await writeFile(join(fx.captures, 'c.bin'), 'y'.repeat(1000));
    await utimes(join(fx.captures, 'c.bin'), new Date(minute(9)), new Date(minute(9)));
    const report = await retention.checkDisk();
    assert.deepEqual(
      report.removed.map((r) => r.outcome),
      ['changed'],
    );
    assert.equal(await exists(join(fx.captures, 'c.bin')), true);
    assert.match(historyLines(fx, id).at(-1) ?? '', /Did not remove .*c\.bin: it was modified at/);
  });

  test('without a limit the guard is off and deletes nothing', async () => {
    const retention = manager({ afterUpload: 'keep' });
    await retainedCapture(retention, 'z.bin', 1000, minute(0));
    const report = await retention.checkDisk();
    assert.equal(report.enabled, false);
    assert.deepEqual(report.removed, []);
    assert.equal(await exists(join(fx.captures, 'z.bin')), true);
  });
});

describe('minFreeBytes', () => {
  /**
   * Stands in for a nearly full disk, which cannot be produced safely here: a 10,000-byte disk whose
   * free space is what the real files in the capture and archive folders leave over.
   */
  function smallDisk(calls: string[]): StatfsReader {
    return async (path) => {
      calls.push(path);
      let used = 0;
      for (const dir of [fx.captures, join(fx.root, 'archive')]) {
        const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
        for (const entry of entries)
          if (entry.isFile()) used += (await stat(join(entry.parentPath, entry.name))).size;
      }
      return { bavail: 10_000 - used, bsize: 1 };
    };
  }

  test('deletes uploaded copies until enough is free, then pauses when only unuploaded files are left', async () => {
    const calls: string[] = [];
    const retention = manager({ diskGuard: { minFreeBytes: 5000 } }, smallDisk(calls));
    const seen = gates(retention);
    const r1 = await retainedCapture(retention, 'r1.bin', 2000, minute(1));
    const u2 = await uploadedCapture(fx, 'u2.bin', 2000, minute(2));
    await queueCapture(fx, 'q3.bin', 2000, minute(3));
    const first = await retention.checkDisk();
    assert.deepEqual(
      first.removed.map((r) => r.fileId),
      [r1],
    );
    assert.equal(first.disks[0]?.freeBytes, 6000);
    assert.equal(calls[0], fx.captures);

    await queueCapture(fx, 'q4.bin', 2000, minute(4));
    assert.deepEqual(
      (await retention.checkDisk()).removed.map((r) => r.fileId),
      [u2],
    );

    await queueCapture(fx, 'q5.bin', 2000, minute(5));
    const full = await retention.checkDisk();
    assert.deepEqual(full.removed, []);
    assert.equal(retention.capturePaused, true);
    assert.match(
      seen[0]?.reason ?? '',
      /^Capture paused: the disk holding .*captures has 3\.9 KiB free, below the 4\.9 KiB minimum \(minFreeBytes\), and no uploaded file is left/,
    );
    for (const name of ['q3.bin', 'q4.bin', 'q5.bin'])
      assert.equal(await exists(join(fx.captures, name)), true, name);
  });

  test('archived copies on the capture disk go first', async () => {
    const archiveDir = join(fx.root, 'archive');
    const retention = manager(
      { afterUpload: 'archive', archiveDir, diskGuard: { minFreeBytes: 5000 } },
      smallDisk([]),
    );
    const a1 = await uploadedCapture(fx, 'a1.bin', 2000, minute(1));
    await retention.afterUpload(a1);
    const r2 = await uploadedCapture(fx, 'r2.bin', 2000, minute(2)); // uploaded, after-upload step not run yet
    await queueCapture(fx, 'q3.bin', 2000, minute(3));
    const report = await retention.checkDisk();
    assert.deepEqual(
      report.removed.map((r) => r.fileId),
      [a1],
    );
    assert.equal(await exists(join(archiveDir, 'cam/a1.bin')), false);
    assert.equal(fx.queue.get(r2)?.state, 'uploaded');
    assert.match(fx.queue.get(a1)?.reason ?? '', /^Archived copy deleted: the disk guard needed space/);
  });
});
