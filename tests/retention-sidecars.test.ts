/** An uploaded sidecar leaves the capture folder with its capture: archived beside it, expired with it, left if rewritten. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'vitest';
import { RetentionManager } from '../main/engine/retention/retention.ts';
import { exists, type Fixture, makeFixture, queueCapture } from './support/retention-fixture.ts';

const HOUR = 3_600_000;
let fx: Fixture;
beforeEach(async () => {
  fx = await makeFixture();
});
afterEach(async () => {
  await fx.cleanup();
});

/** A capture confirmed uploaded together with its sidecar, as the uploader records it. */
async function uploadedWithSidecar(name: string): Promise<{ id: number; sidecar: string }> {
  const id = await queueCapture(fx, `${name}.jpg`, 100);
  const sidecar = join(fx.captures, `${name}.pred.json`);
  const body = '{"predictions":[{"label":"person","score":0.9}]}';
  await writeFile(sidecar, body);
  const info = await stat(sidecar);
  fx.queue.transition(id, 'uploading');
  fx.queue.transition(id, 'uploaded', {
    sidecar: {
      relPath: `${name}.pred.json`,
      absPath: sidecar,
      size: info.size,
      mtimeMs: Math.floor(info.mtimeMs),
      sha256: createHash('sha256').update(body).digest('hex'),
      key: `site/${name}.jpg.pred.json`,
    },
  });
  return { id, sidecar };
}

test('archive moves the sidecar beside its capture; keepFor later deletes both archived copies', async () => {
  const { id, sidecar } = await uploadedWithSidecar('frame');
  const settings = fx.settings({ afterUpload: 'archive', keepFor: '1h' });
  const retention = new RetentionManager(fx.queue, settings, {
    folders: [fx.folder],
    now: () => fx.clock.now,
  });
  assert.equal((await retention.afterUpload(id)).outcome, 'archived');
  const record = fx.queue.get(id)!;
  const archivedSidecar = join(settings.archiveDir, 'cam', 'frame.pred.json');
  assert.equal(
    record.archivedPath,
    join(settings.archiveDir, 'cam', 'frame.jpg'),
    'the archive path has its column',
  );
  assert.deepEqual([record.sidecar?.local, record.sidecar?.archivedPath], ['archived', archivedSidecar]);
  assert.equal(await exists(sidecar), false);
  assert.equal(await exists(archivedSidecar), true);

  fx.clock.now += 2 * HOUR;
  const swept = await retention.sweep();
  assert.equal(swept.expired.length, 1);
  assert.equal(await exists(record.archivedPath!), false);
  assert.equal(await exists(archivedSidecar), false, 'the archived sidecar expires with its capture');
  const after = fx.queue.get(id)!;
  assert.equal(after.archivedPath, undefined, 'nothing archived left to manage');
  assert.equal(after.sidecar?.local, 'deleted');
});

test('delete removes the sidecar too, but not one rewritten after upload', async () => {
  const kept = await uploadedWithSidecar('a');
  const rewritten = await uploadedWithSidecar('b');
  await writeFile(rewritten.sidecar, '{"predictions":[]} // model run again');
  const retention = new RetentionManager(fx.queue, fx.settings({ afterUpload: 'delete' }), {
    folders: [fx.folder],
    now: () => fx.clock.now,
  });
  await retention.afterUpload(kept.id);
  await retention.afterUpload(rewritten.id);
  assert.equal(await exists(kept.sidecar), false);
  assert.equal(fx.queue.get(kept.id)?.sidecar?.local, 'deleted');
  assert.equal(await exists(rewritten.sidecar), true, 'new predictions are not the uploaded ones');
  assert.equal(fx.queue.get(rewritten.id)?.sidecar?.local, 'left');
  assert.match(
    fx.queue.history(rewritten.id).at(-1)?.detail ?? '',
    /its sidecar b\.pred\.json was left in place/,
  );
});
