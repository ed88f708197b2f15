/**
 * Prediction sidecars travel with their captures, against a real Ceph RADOS Gateway: uploaded
 * beside the capture (its key plus ".pred.json"), byte-identical, recorded in the queue, and with
 * afterUpload "delete" gone from disk together with the capture. A sidecar that is a symbolic link
 * is not followed, and `upload.sidecars: false` leaves sidecars alone as before.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import type { FileRecord } from '../main/engine/queue/types.ts';
import { dropFile, makeSite, type Site, waitFor } from './support/engine-fixtures.ts';
import { type RgwServer, startRgw } from './support/rgw.ts';
import { makeTestClient, readObject } from './support/s3-client.ts';
import {
  allRecords,
  createBucket,
  headOrAbsent,
  listObjects,
  s3DestinationYaml,
} from './support/upload-e2e-fixtures.ts';

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9]);

let rgw: RgwServer;
let client: S3Client;
const sites: Site[] = [];

beforeAll(async () => {
  rgw = await startRgw();
  client = makeTestClient(rgw);
}, 240_000);

afterAll(async () => {
  for (const site of sites) await site.cleanup();
  client?.destroy();
  await rgw?.stop();
});

async function siteFor(bucket: string, extra: string): Promise<Site> {
  await createBucket(client, bucket);
  const site = await makeSite(
    ({ captures, dataDir }) => `
site: plant-sc
device: gw
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    stableWindow: 300ms
reconcileInterval: 0
rules:
  - name: frames
    when: { extension: jpg }
    action: upload
    key: "{site}/frames/{path}"
defaultAction: { action: skip }
${s3DestinationYaml(rgw, bucket)}
${extra}
`,
  );
  sites.push(site);
  return site;
}

/** A frame with its sidecar, written the way cameras do: the sidecar first, each renamed into place. */
async function dropFrame(site: Site, stem: string, sidecar?: string): Promise<void> {
  if (sidecar !== undefined) await dropFile(join(site.captures, `${stem}.pred.json`), sidecar);
  await dropFile(join(site.captures, `${stem}.jpg`), Buffer.concat([JPEG, Buffer.from(stem)]));
}

async function runUntil(site: Site, count: number, state: FileRecord['state']): Promise<FileRecord[]> {
  const engine = new CaptureEngine(await loadConfig(site.configPath));
  await engine.start();
  try {
    await dropFrame(site, 'frame_0001', predictions('person', 0.91));
    await dropFrame(site, 'frame_0002');
    // A sidecar name that is a link to a file outside the capture folder: never followed, never uploaded.
    const secret = join(site.root, 'secret.txt');
    await writeFile(secret, 'not for the core');
    await symlink(secret, join(site.captures, 'frame_0003.pred.json'));
    await dropFrame(site, 'frame_0003');
    return await waitFor(
      () => {
        const all = allRecords(engine.queue).filter((r) => r.relPath.endsWith('.jpg'));
        return all.length === count && all.every((r) => r.state === state) ? all : undefined;
      },
      `every frame to be ${state}`,
      60_000,
    );
  } finally {
    await engine.stop();
  }
}

function predictions(label: string, score: number): string {
  return JSON.stringify({
    model_version: 'det-7',
    predictions: [{ label, score, box: { x: 10, y: 20, w: 30, h: 40 } }],
  });
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

test('a sidecar is uploaded beside its capture, byte for byte, and deleted with it', async () => {
  const site = await siteFor('sidecars-on', 'retention: { afterUpload: delete }');
  const records = await runUntil(site, 3, 'removed');

  const frame = records.find((r) => r.relPath === 'frame_0001.jpg')!;
  const captureKey = 'plant-sc/frames/frame_0001.jpg';
  const sidecarKey = `${captureKey}.pred.json`;
  const written = predictions('person', 0.91);
  assert.equal(frame.objectKey, captureKey);
  assert.equal((await readObject(client, 'sidecars-on', sidecarKey)).toString(), written, 'byte-identical');
  const head = await headOrAbsent(client, 'sidecars-on', sidecarKey);
  assert.equal(head?.Metadata?.['sha256'], sha256(written), 'verified by the same sha256 as captures');
  assert.equal(head?.Metadata?.['sidecar-of'], captureKey);
  assert.deepEqual(
    { key: frame.sidecar?.key, sha256: frame.sidecar?.sha256, local: frame.sidecar?.local },
    { key: sidecarKey, sha256: sha256(written), local: 'deleted' },
    'the queue records the sidecar with its capture',
  );

  // The bucket holds the three frames and the one real sidecar; the linked "sidecar" is not there.
  const keys = (await listObjects(client, 'sidecars-on')).map((o) => o.key).sort();
  assert.deepEqual(keys, [
    captureKey,
    sidecarKey,
    'plant-sc/frames/frame_0002.jpg',
    'plant-sc/frames/frame_0003.jpg',
  ]);
  const frame3 = records.find((r) => r.relPath === 'frame_0003.jpg')!;
  assert.equal(frame3.sidecar, undefined);
  // Nothing uploaded is left on disk: no capture and no orphaned sidecar. The link was never ours.
  assert.deepEqual((await readdir(site.captures)).sort(), ['frame_0003.pred.json']);
});

test('upload.sidecars: false leaves sidecars in the capture folder and out of the bucket', async () => {
  const site = await siteFor(
    'sidecars-off',
    'upload: { sidecars: false }\nretention: { afterUpload: delete }',
  );
  const records = await runUntil(site, 3, 'removed');
  assert.ok(records.every((r) => r.sidecar === undefined));
  const keys = (await listObjects(client, 'sidecars-off')).map((o) => o.key);
  assert.ok(!keys.some((key) => key.endsWith('.pred.json')), keys.join(', '));
  assert.deepEqual((await readdir(site.captures)).sort(), ['frame_0001.pred.json', 'frame_0003.pred.json']);
});
