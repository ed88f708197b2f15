/**
 * The uploader with retention wired in as the engine wires it: the after-upload step runs inside
 * the commit that records the upload (keep), or after a durable one (delete). Real queue, real
 * files, the real filesystem destination and the real RetentionManager.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'vitest';
import type { QueueChange } from '../main/engine/queue/types.ts';
import { RetentionManager } from '../main/engine/retention/retention.ts';
import { createFilesystemDestination } from '../main/engine/upload/destinations/filesystem.ts';
import { resolveUploadSettings } from '../main/engine/upload/settings.ts';
import { Uploader } from '../main/engine/upload/uploader.ts';
import { waitFor } from './support/fs-helpers.ts';
import { exists, type Fixture, makeFixture, writeCapture } from './support/retention-fixture.ts';

let fx: Fixture;
let uploader: Uploader | undefined;
beforeEach(async () => {
  fx = await makeFixture();
});
afterEach(async () => {
  await uploader?.stop();
  uploader = undefined;
  await fx.cleanup();
});

/** A real capture brought to `queued` through the queue's API, with its real sha256. */
async function queued(relPath: string): Promise<number> {
  const absPath = await writeCapture(fx, relPath, 2000);
  const info = await stat(absPath);
  const { id } = fx.queue.discover({
    folderId: fx.folder.id,
    relPath,
    absPath,
    size: info.size,
    mtimeMs: info.mtimeMs,
  });
  fx.queue.saveInspection(id, {
    size: info.size,
    mtimeMs: info.mtimeMs,
    sha256: createHash('sha256')
      .update(await readFile(absPath))
      .digest('hex'),
    contentType: 'text/plain',
    contentTypeSource: 'extension',
    tags: {},
    warnings: [],
  });
  fx.queue.saveDecision(
    id,
    {
      action: 'upload',
      rule: 'everything',
      ruleIndex: 0,
      reason: 'every file goes up',
      priority: 0,
      objectKey: `site/${relPath}`,
      metadata: {},
      trace: [],
      decidedAt: Date.now(),
    },
    'queued',
  );
  return id;
}

/** Each top-level commit that recorded an upload: was it durable, and what else did it record? */
interface UploadCommit {
  durable: boolean;
  changes: QueueChange[];
}

/** Watches commits (the queue emits one change batch per commit) and the durability each asked for. */
function watchCommits(): UploadCommit[] {
  const commits: UploadCommit[] = [];
  const queue = fx.queue;
  const transaction = queue.transaction.bind(queue);
  let depth = 0;
  let emitted: QueueChange[] = [];
  queue.on('change', (changes) => emitted.push(...changes));
  queue.transaction = ((fn: () => unknown, options?: { durable?: boolean }) => {
    if (depth === 0) emitted = [];
    depth++;
    try {
      return transaction(fn, options);
    } finally {
      depth--;
      if (depth === 0 && emitted.some((c) => c.to === 'uploaded')) {
        commits.push({ durable: options?.durable === true, changes: emitted });
      }
    }
  }) as typeof queue.transaction;
  return commits;
}

async function startUploading(afterUpload: 'keep' | 'delete'): Promise<RetentionManager> {
  const store = join(fx.root, 'store');
  await mkdir(store, { recursive: true });
  const retention = new RetentionManager(fx.queue, fx.settings({ afterUpload }), { folders: [fx.folder] });
  uploader = new Uploader(
    fx.queue,
    createFilesystemDestination({ type: 'filesystem', path: store, fsync: false }),
    resolveUploadSettings({ concurrency: 2 }),
    {
      site: 'site',
      device: 'cam-1',
      afterUpload: retention,
      onUploaded: (record) => {
        if (record.state === 'uploaded') void retention.afterUpload(record.id);
      },
    },
  );
  uploader.start();
  return retention;
}

const statesOf = (id: number) =>
  fx.queue
    .history(id)
    .filter((c) => c.kind === 'state')
    .map((c) => c.to);

describe('uploader with retention', () => {
  test('keep: `uploaded` and `retained` are one commit, and the history still shows both', async () => {
    const commits = watchCommits();
    const ids = await Promise.all(['a.txt', 'b.txt', 'c.txt'].map(queued));
    await startUploading('keep');
    await waitFor(() => ids.every((id) => fx.queue.get(id)?.state === 'retained'), 'the uploads');

    for (const id of ids) {
      assert.deepEqual(statesOf(id), ['inspected', 'queued', 'uploading', 'uploaded', 'retained']);
      const commit = commits.find((c) => c.changes.some((ch) => ch.fileId === id && ch.to === 'uploaded'));
      assert.ok(commit, `the commit that recorded file ${id} as uploaded`);
      assert.ok(
        commit.changes.some((ch) => ch.fileId === id && ch.to === 'retained'),
        'retained in the same commit',
      );
      assert.equal(commit.durable, false, 'the local copy stays: no fsync needed');
      assert.equal(await exists(fx.queue.get(id)!.absPath), true);
    }
  });

  test('delete: the commit that records `uploaded` is durable, and only then is the local copy deleted', async () => {
    const commits = watchCommits();
    const ids = await Promise.all(['a.txt', 'b.txt'].map(queued));
    await startUploading('delete');
    await waitFor(
      () => ids.every((id) => fx.queue.get(id)?.state === 'removed'),
      'the uploads and deletions',
    );

    for (const id of ids) {
      assert.deepEqual(statesOf(id), ['inspected', 'queued', 'uploading', 'uploaded', 'removed']);
      const commit = commits.find((c) => c.changes.some((ch) => ch.fileId === id && ch.to === 'uploaded'));
      assert.ok(commit?.durable, `the commit that recorded file ${id} as uploaded was durable`);
      assert.equal(await exists(fx.queue.get(id)!.absPath), false);
      assert.match(fx.queue.history(id).at(-1)?.detail ?? '', /Deleted the local copy/);
    }
  });
});
