/**
 * Tiered destinations, end to end: one engine sends files to a filesystem share (the "training" tier)
 * and a real Ceph RGW bucket behind a fault proxy (the "archive" tier) at the same time. A rule fans
 * out to both and every object is read back from each; the store is cut while the share keeps
 * receiving, and recovers by itself; retention deletes a local copy only once both have confirmed it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import { makeSite, type Site, waitFor } from './support/engine-fixtures.ts';
import { type FaultProxy, startFaultProxy } from './support/fault-proxy.ts';
import { type RgwServer, startRgw } from './support/rgw.ts';
import { makeTestClient, readObject, sha256 } from './support/s3-client.ts';
import {
  allRecords,
  createBucket,
  dropRandomFile,
  hostPort,
  listObjects,
  listOpenUploads,
  MIB,
  statesVisited,
  UPLOADED_STATES,
} from './support/upload-e2e-fixtures.ts';

let rgw: RgwServer;
let client: S3Client;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  rgw = await startRgw();
  client = makeTestClient(rgw);
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  client?.destroy();
  await rgw?.stop();
});

interface TierSite {
  engine: CaptureEngine;
  proxy: FaultProxy;
  site: Site;
  share: string;
  bucket: string;
  drop(files: { name: string; size: number }[]): Promise<Map<string, string>>;
}

/** A share folder, a bucket behind a fault proxy, and an engine whose rules fan out to both. */
async function startTierSite(bucket: string, extra: { retention?: string } = {}): Promise<TierSite> {
  await createBucket(client, bucket);
  const proxy = await startFaultProxy(hostPort(rgw.endpoint));
  cleanups.push(() => proxy.close());
  const archive = {
    name: 'archive',
    type: 's3',
    endpoint: proxy.endpoint,
    bucket,
    region: rgw.region,
    forcePathStyle: true,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    keyTemplate: 'cold/{folder}/{name}',
    concurrency: 2,
  };
  const site = await makeSite(
    ({ captures, dataDir }) => `
site: ${bucket}
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
reconcileInterval: 0
destinations:
  - name: training
    type: filesystem
    path: ${join(dataDir, '..', 'share')}
    default: true
  - ${JSON.stringify(archive)}
rules:
  - name: logs-archive-only
    when: { extension: log }
    action: upload
    to: archive
  - name: frames-everywhere
    when: { extension: [bin, jpg] }
    action: upload
    to: [training, archive]
    key: "{site}/{name}"
  - name: rest-default
    action: upload
upload:
  offlineProbeInterval: 500ms
  maxAttempts: 2
  backoff: { initial: 200ms, max: 1s }
  multipartThreshold: 16MiB
  partSize: 5MiB
  requestTimeout: 5s
${extra.retention ?? ''}
`,
  );
  cleanups.push(() => site.cleanup());
  // The share is "mounted": a missing share folder counts as offline.
  await mkdir(join(site.root, 'share'));
  const engine = new CaptureEngine(await loadConfig(site.configPath));
  await engine.start();
  cleanups.push(() => engine.stop());
  return {
    engine,
    proxy,
    site,
    share: join(site.root, 'share'),
    bucket,
    async drop(files) {
      const shas = new Map<string, string>();
      for (const file of files) {
        const path = join(site.captures, file.name);
        shas.set(path, await dropRandomFile(path, file.size));
      }
      return shas;
    },
  };
}

const sha256Of = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

test('a rule fans out to the share and the bucket: every object reads back identical from each', async () => {
  const t = await startTierSite('fanout');
  const frames = Array.from({ length: 12 }, (_, i) => ({ name: `frame_${i}.jpg`, size: 4096 + i * 1000 }));
  const big = { name: 'scan.bin', size: 21 * MIB }; // multipart at the store, one copy at the share
  const shas = await t.drop([
    ...frames,
    big,
    { name: 'run.log', size: 2000 },
    { name: 'notes.txt', size: 300 },
  ]);

  const records = await waitFor(
    () => {
      const all = allRecords(t.engine.queue);
      return all.length === shas.size && all.every((r) => UPLOADED_STATES.includes(r.state))
        ? all
        : undefined;
    },
    'every file to reach every destination it was sent to',
    60_000,
  );
  const objects = new Map((await listObjects(client, t.bucket)).map((o) => [o.key, o.size]));
  for (const record of records) {
    const deliveries = t.engine.queue.deliveries.forFile(record.id);
    const want = record.relPath.endsWith('.log')
      ? ['archive']
      : record.relPath.endsWith('.txt')
        ? ['training']
        : ['training', 'archive'];
    assert.deepEqual(
      deliveries.map((d) => [d.destination, d.state]),
      want.map((name) => [name, 'uploaded']),
      `${record.relPath}: one confirmed delivery per destination its rule named`,
    );
    for (const d of deliveries) {
      if (d.destination === 'archive') {
        assert.equal(d.objectKey, `cold/cam/${record.relPath}`, "the archive's own key template");
        const stored = await readObject(client, t.bucket, d.objectKey!);
        assert.equal(sha256(stored), shas.get(record.absPath), `${d.objectKey} reads back from the bucket`);
        objects.delete(d.objectKey!);
      } else {
        assert.equal(
          await sha256Of(join(t.share, d.objectKey!)),
          shas.get(record.absPath),
          `${d.objectKey} on the share`,
        );
      }
    }
    // The file was read and inspected once: one `inspected` step, whatever the number of destinations.
    const visited = statesVisited(t.engine.queue, record.id);
    assert.equal(
      visited.filter((s) => s === 'inspected').length,
      1,
      `${record.relPath}: ${visited.join(' → ')}`,
    );
  }
  assert.deepEqual([...objects.keys()], [], 'nothing else in the bucket (the probe object aside)');
  assert.deepEqual(await listOpenUploads(client, t.bucket), [], 'no multipart upload left open');
  assert.ok(!existsSync(join(t.share, 'cold')), "the archive key layout is the archive's alone");

  const statuses = t.engine.destinationStatuses();
  assert.deepEqual(
    statuses.map((s) => [s.name, s.online, s.isDefault, s.counts.uploaded]),
    [
      ['training', true, true, 14],
      ['archive', true, false, 14],
    ],
  );
});

test('the store is cut: the share keeps receiving, the store recovers by itself, local copies go only after both', async () => {
  const t = await startTierSite('cut', { retention: 'retention: { afterUpload: delete }' });
  await t.proxy.setMode({ mode: 'refuse' });
  const shas = await t.drop(Array.from({ length: 8 }, (_, i) => ({ name: `frame_${i}.jpg`, size: 8192 })));

  // Every file reaches the share while the archive is offline; the file waits (queued), its local copy kept.
  await waitFor(
    () => {
      const archive = t.engine.destinationStatuses().find((s) => s.name === 'archive');
      const all = allRecords(t.engine.queue);
      return (
        archive?.online === false &&
        all.length === 8 &&
        all.every((r) => t.engine.queue.deliveries.get(r.id, 'training')?.state === 'uploaded')
      );
    },
    'the share to have every file while the store is offline',
    30_000,
  );
  const [training, archive] = t.engine.destinationStatuses();
  assert.equal(training?.online, true, 'the share is not paused by the store being down');
  assert.equal(archive?.pausedFor, 'offline');
  assert.ok(archive?.link.offlineSince, 'the archive has its own offline-since');
  assert.ok(training?.link.lastSuccessAt, 'the share has its own last success');
  for (const record of allRecords(t.engine.queue)) {
    assert.ok(
      ['queued', 'uploading'].includes(record.state),
      `${record.relPath} waits for the archive: ${record.state}`,
    );
    assert.ok(
      existsSync(record.absPath),
      `${record.relPath}: the local copy stays until the archive has it too`,
    );
    assert.equal(
      t.engine.queue.deliveries.get(record.id, 'archive')?.attempts,
      0,
      'the outage counts against no file',
    );
  }

  await t.proxy.setMode({ mode: 'pass' });
  const records = await waitFor(
    () => {
      const all = allRecords(t.engine.queue);
      return all.every((r) => r.state === 'removed') ? all : undefined;
    },
    'the store to come back by itself and retention to delete every local copy',
    60_000,
  );
  assert.equal(t.engine.destinationStatuses()[1]?.online, true);
  for (const record of records) {
    const stored = await readObject(client, t.bucket, `cold/cam/${record.relPath}`);
    assert.equal(sha256(stored), shas.get(record.absPath));
    assert.ok(!existsSync(record.absPath), `${record.relPath}: deleted once both confirmed`);
    const visited = statesVisited(t.engine.queue, record.id);
    assert.ok(!visited.includes('failed') && !visited.includes('quarantined'), visited.join(' → '));
    // Deleted after the last delivery was recorded, never before.
    const history = t.engine.queue.history(record.id);
    const uploadedAt = history.findIndex((c) => c.to === 'uploaded');
    const removedAt = history.findIndex((c) => c.to === 'removed');
    assert.ok(uploadedAt >= 0 && removedAt > uploadedAt, 'removed only after uploaded (both destinations)');
  }
});
