/**
 * End to end against a real Ceph RADOS Gateway: corrections exported by the background exporter,
 * then synced again (and once more after the confirmations were lost, as after a crash): every
 * correction object is in the bucket exactly once with the right content, and the day's manifest
 * (JSON Lines) and COCO file, streamed with lib-storage's Upload, are there and load.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { ReviewService } from '../main/engine/review/index.ts';
import { makeSite, type Site, waitFor } from './support/engine-fixtures.ts';
import { checkCoco, reviewDay } from './support/review-fixture.ts';
import { type RgwServer, startRgw } from './support/rgw.ts';
import { makeTestClient, readObject } from './support/s3-client.ts';
import { createBucket, listObjects, s3DestinationYaml } from './support/upload-e2e-fixtures.ts';

let rgw: RgwServer;
let client: S3Client;
let site: Site | undefined;

beforeAll(async () => {
  rgw = await startRgw();
  client = makeTestClient(rgw);
}, 240_000);

afterAll(async () => {
  await site?.cleanup();
  client?.destroy();
  await rgw?.stop();
});

const AT = Date.UTC(2026, 2, 14, 9, 30);

test('every correction exactly once after two syncs and a lost confirmation; manifest and COCO load', async () => {
  await createBucket(client, 'review-core');
  site = await makeSite(
    ({ captures, dataDir }) => `
site: plant7
dataDir: ${dataDir}
folders: [{ id: cam, path: ${captures} }]
rules: [{ name: frames, when: { extension: jpg }, action: hold }]
${s3DestinationYaml(rgw, 'review-core').replace('"onConflict":"report"', '"onConflict":"report","prefix":"edge/"')}
`,
  );
  const config = await loadConfig(site.configPath);
  const queue = new CaptureQueue(join(site.dataDir, 'queue.db'));
  const review = new ReviewService(queue, { config, exporter: { idleMs: 100, backoffMs: 100 } });
  const day = reviewDay(queue, AT);
  review.submit(day.corrections);

  // The background exporter, poked by the submit.
  review.startExporter();
  await waitFor(
    () =>
      review.exportStatus()?.pending === 0 && review.exportStatus()?.pendingDays === 0 ? true : undefined,
    'the exporter to confirm every correction and the day',
    60_000,
  );
  // A second sync, and one after the confirmations were lost (a crash before they were written).
  assert.deepEqual(await review.exportNow(), { corrections: 0, days: 0, refused: [] });
  queue.database.exec('UPDATE correction_exports SET confirmed_at = NULL');
  queue.database.exec('UPDATE export_days SET exported_version = 0');
  const resent = await review.exportNow();
  assert.deepEqual(resent, { corrections: 5, days: 1, refused: [] }, 'found already there');
  await review.stop();

  const objects = await listObjects(client, 'review-core');
  const keys = objects.map((o) => o.key).sort();
  const ids = day.corrections.map((c) => c.id);
  assert.deepEqual(
    keys,
    [
      ...ids.map((id) => `edge/plant7/corrections/2026/03/14/${id}.json`),
      'edge/plant7/corrections/coco/2026-03-14.json',
      'edge/plant7/corrections/manifests/2026-03-14.jsonl',
    ].sort(),
    'each correction exactly once, nothing else',
  );
  for (const [i, id] of ids.entries()) {
    const stored = JSON.parse(
      (await readObject(client, 'review-core', `edge/plant7/corrections/2026/03/14/${id}.json`)).toString(),
    );
    const sent = day.corrections[i]!;
    assert.equal(stored.id, id);
    assert.equal(stored.reviewer, sent.reviewer);
    assert.equal(stored.capture.sha256, sent.sha256);
    assert.deepEqual(stored.corrected.objects, sent.objects);
    assert.equal(typeof stored.original.items[0].label, 'string');
  }
  const manifest = (
    await readObject(client, 'review-core', 'edge/plant7/corrections/manifests/2026-03-14.jsonl')
  )
    .toString()
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.equal(manifest.length, 3);
  assert.deepEqual(
    manifest.flatMap((line) => line.corrections.map((c: { id: string }) => c.id)).sort(),
    [...ids].sort(),
  );
  const coco = checkCoco(
    (await readObject(client, 'review-core', 'edge/plant7/corrections/coco/2026-03-14.json')).toString(),
  );
  assert.equal(coco.images.length, 2);
  assert.equal(coco.annotations.length, 4);
  queue.close();
});
