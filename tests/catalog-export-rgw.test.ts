import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { Catalog } from '../main/engine/catalog/catalog.ts';
import { Datasets } from '../main/engine/catalog/datasets.ts';
import { exportDataset } from '../main/engine/catalog/export.ts';
import { queueMissingMembers } from '../main/engine/catalog/queue-members.ts';
import { folderExportTarget, s3ExportTarget } from '../main/engine/export/target.ts';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { Corrections } from '../main/engine/review/corrections.ts';
import { createS3Client } from '../main/engine/upload/destinations/s3-transport.ts';
import { FOLDER_DEVICES, type GeneratedFile, generateQueue } from './support/catalog-data.ts';
import { type RgwServer, startRgw } from './support/rgw.ts';
import { makeTestClient, readObject } from './support/s3-client.ts';
import { createBucket, listObjects } from './support/upload-e2e-fixtures.ts';

const BUCKET = 'catalog-export';
let rgw: RgwServer;
let client: S3Client;
let dir: string;
let queue: CaptureQueue;
let files: GeneratedFile[];
let catalog: Catalog;
let datasets: Datasets;

beforeAll(async () => {
  rgw = await startRgw();
  client = makeTestClient(rgw);
  await createBucket(client, BUCKET);
  dir = await mkdtemp(join(tmpdir(), 'edge-catalog-export-'));
  queue = new CaptureQueue(join(dir, 'queue.db'));
  files = generateQueue(queue, 600, 5, join(dir, 'captures'));
  catalog = new Catalog(queue, { folderDevices: () => FOLDER_DEVICES });
  datasets = new Datasets(queue.path, queue, catalog);
}, 240_000);

afterAll(async () => {
  datasets?.close();
  queue?.close();
  client?.destroy();
  await rgw?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Real 640×480 pictures where the queue says the image members are. */
async function writeImages(members: GeneratedFile[]): Promise<void> {
  for (const file of members) {
    if (!file.contentType.startsWith('image/')) continue;
    const path = join(dir, 'captures', file.folderId, file.relPath);
    await mkdir(dirname(path), { recursive: true });
    const picture = sharp({ create: { width: 640, height: 480, channels: 3, background: '#445566' } });
    await (file.contentType === 'image/png' ? picture.png() : picture.jpeg()).toFile(path);
  }
}

describe('data sets: saved search, frozen members, export to a real Ceph RGW', () => {
  test('save, correct one member, queue the missing ones, export manifest + COCO, read them back', async () => {
    const filter = { label: 'dog', devices: ['gate-1'] };
    const matching = files.filter((f) => f.labels.has('dog') && FOLDER_DEVICES.get(f.folderId) === 'gate-1');
    assert.ok(matching.length > 10);
    await writeImages(matching);
    const dataset = datasets.save({ name: 'dogs-at-the-gate', filter, destination: 'core', by: 'test' });
    assert.equal(dataset.members, matching.length);
    assert.deepEqual(datasets.list()[0], dataset);
    assert.throws(() => datasets.save({ name: 'dogs-at-the-gate', filter: {} }), { code: 'name-taken' });

    // A reviewer's correction of one member: the manifest carries it, COCO uses its boxes.
    const corrected = matching.find((f) => f.state === 'skipped' || f.state === 'held')!;
    const record = queue.get(corrected.id)!;
    const corrections = new Corrections(queue, { now: Date.now, destination: () => undefined });
    const [stored] = corrections.submit([
      {
        id: 'c0rrect10n-1',
        fileId: corrected.id,
        sha256: record.sha256!,
        reviewer: 'ana',
        objects: [{ label: 'wolf', box: { x: 10, y: 20, w: 30, h: 40 } }],
        createdAt: Date.now(),
      },
    ]);
    assert.equal(stored?.status, 'stored');
    assert.deepEqual(
      catalog.search({ filter: { corrected: true } }).items.map((i) => i.id),
      [corrected.id],
    );
    assert.deepEqual(
      catalog.search({ filter: { correctedLabel: 'wolf', label: 'dog' } }).items.map((i) => i.id),
      [corrected.id],
    );
    assert.equal(
      catalog.search({ filter: { ...filter, corrected: false }, limit: 1000 }).items.length,
      matching.length - 1,
    );

    // Members the store lacks go to the upload queue, to the data set's destination, with the rule's key.
    const ids = datasets.memberIds(dataset.id, 0, 10_000);
    assert.deepEqual(
      ids,
      matching.map((f) => f.id).sort((a, b) => a - b),
    );
    const outcome = queueMissingMembers(queue, ids, {
      destination: 'core',
      dataset: dataset.name,
      keyFor: (file) => `plant/${file.folderId}/${file.relPath}`,
    });
    const sendable = matching.filter((f) => f.state === 'skipped' || f.state === 'held');
    assert.equal(outcome.queued, sendable.length);
    assert.equal(
      outcome.refused.length,
      matching.filter((f) => f.state === 'quarantined' || f.state === 'inspected').length,
    );
    assert.match(
      outcome.refused.find((r) => queue.get(r.id)?.state === 'quarantined')?.why ?? 'quarantined',
      /quarantined/,
    );
    for (const file of sendable) {
      assert.equal(queue.get(file.id)?.state, 'queued');
      const deliveries = queue.deliveries.forFile(file.id);
      assert.deepEqual(
        deliveries.map((d) => [d.destination, d.objectKey]),
        [['core', `plant/${file.folderId}/${file.relPath}`]],
      );
      assert.match(queue.history(file.id).at(-1)?.detail ?? '', /for data set dogs-at-the-gate/);
    }

    const target = s3ExportTarget(
      createS3Client(
        {
          type: 's3',
          endpoint: rgw.endpoint,
          region: rgw.region,
          bucket: BUCKET,
          credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
        },
        { requestTimeoutMs: 30_000, maxSockets: 4 },
      ),
      BUCKET,
      'edge/',
    );
    const phases: string[] = [];
    const result = await exportDataset({
      dataset,
      datasets,
      reader: queue,
      target,
      destination: 'core',
      site: 'plant',
      devices: FOLDER_DEVICES,
      onProgress: (p) => phases.push(p.phase),
    });
    target.close();
    assert.ok(phases.includes('manifest') && phases.at(-1) === 'done');
    assert.equal(result.files, matching.length);
    assert.match(result.manifest.key, /^edge\/datasets\/plant\/dogs-at-the-gate\/.+\/manifest\.jsonl$/);

    const keys = (await listObjects(client, BUCKET)).map((o) => o.key);
    assert.ok(keys.includes(result.manifest.key) && keys.includes(result.coco!.key), keys.join(', '));

    const lines = (await readObject(client, BUCKET, result.manifest.key))
      .toString('utf8')
      .trimEnd()
      .split('\n');
    const manifest = lines.map((line) => JSON.parse(line));
    assert.equal(manifest.length, matching.length);
    for (const line of manifest) {
      const file = files.find((f) => f.id === line.id)!;
      assert.equal(line.sha256, queue.get(file.id)!.sha256);
      assert.equal(line.path, file.relPath);
      assert.equal(line.device, 'gate-1');
      assert.deepEqual(
        new Set(line.labels.map((l: { label: string }) => l.label)),
        new Set(file.labels.keys()),
      );
      if (sendable.includes(file)) assert.equal(line.key, `plant/${file.folderId}/${file.relPath}`);
    }
    const correctedLine = manifest.find((line) => line.id === corrected.id);
    assert.deepEqual(
      correctedLine.corrections.map((c: { reviewer: string }) => c.reviewer),
      ['ana'],
    );
    assert.deepEqual(correctedLine.corrections[0].objects, [
      { label: 'wolf', box: { x: 10, y: 20, w: 30, h: 40 } },
    ]);

    const coco = JSON.parse((await readObject(client, BUCKET, result.coco!.key)).toString('utf8'));
    const imageIds = new Set(coco.images.map((image: { id: number }) => image.id));
    const categoryIds = new Map(coco.categories.map((c: { id: number; name: string }) => [c.id, c.name]));
    const withBoxes = matching.filter(
      (f) => f.contentType.startsWith('image/') && (f.labels.size > 0 || f === corrected),
    );
    assert.equal(coco.images.length, withBoxes.length);
    assert.equal(result.cocoSkipped, 0);
    for (const image of coco.images) {
      assert.equal(image.width, 640);
      assert.equal(image.height, 480);
      assert.equal(typeof image.file_name, 'string');
    }
    assert.equal(new Set(coco.annotations.map((a: { id: number }) => a.id)).size, coco.annotations.length);
    for (const annotation of coco.annotations) {
      assert.ok(imageIds.has(annotation.image_id));
      assert.ok(categoryIds.has(annotation.category_id));
      assert.equal(annotation.bbox.length, 4);
      assert.equal(annotation.area, annotation.bbox[2] * annotation.bbox[3]);
    }
    const ofCorrected = coco.annotations.filter((a: { image_id: number }) => a.image_id === corrected.id);
    assert.deepEqual(
      ofCorrected.map((a: { category_id: number; bbox: number[] }) => [
        categoryIds.get(a.category_id),
        a.bbox,
      ]),
      [['wolf', [10, 20, 30, 40]]],
    );
  }, 120_000);

  test('a folder destination gets the files atomically (no temp file left)', async () => {
    const dataset = datasets.save({
      name: 'csv-logs',
      filter: { contentTypes: ['text/csv'], folders: ['logs'] },
    });
    const root = join(dir, 'share');
    const result = await exportDataset({
      dataset,
      datasets,
      reader: queue,
      target: folderExportTarget(root),
      destination: 'share',
      site: 'plant',
      devices: FOLDER_DEVICES,
    });
    assert.equal(result.coco, undefined);
    const text = await readFile(join(root, result.manifest.key), 'utf8');
    assert.equal(text.trimEnd().split('\n').length, dataset.members);
    const folder = dirname(join(root, result.manifest.key));
    assert.deepEqual(await readdir(folder), ['manifest.jsonl']);
  });
});
