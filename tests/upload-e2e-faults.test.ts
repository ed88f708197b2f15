/**
 * The whole engine through a fault proxy in front of a real Ceph RGW: a store that refuses
 * connections, a link cut mid-transfer, a link that stalls. Files wait in the queue (never
 * failed or quarantined for network trouble), the engine probes gently while offline, recovers
 * by itself, and every object reads back correct.
 *
 * RGW rather than s3rver: what a real store does with a body cut off mid-PUT or mid-part (keep
 * nothing at the key) is the point of test (b), and only RGW lists open multipart uploads, which
 * proves no abandoned upload is left behind.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import type { FileRecord } from '../main/engine/queue/types.ts';
import { makeSite, type Site, waitFor } from './support/engine-fixtures.ts';
import { type FaultMode, type FaultProxy, startFaultProxy } from './support/fault-proxy.ts';
import { type RgwServer, startRgw } from './support/rgw.ts';
import { makeTestClient, readObject, sha256 } from './support/s3-client.ts';
import {
  allRecords,
  createBucket,
  dropRandomFile,
  headOrAbsent,
  hostPort,
  listObjects,
  listOpenUploads,
  MIB,
  s3DestinationYaml,
  statesVisited,
  UPLOADED_STATES,
} from './support/upload-e2e-fixtures.ts';

const PROBE_INTERVAL_MS = 1000;

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

interface FaultSite {
  engine: CaptureEngine;
  proxy: FaultProxy;
  site: Site;
  bucket: string;
  /** Drops random files and returns their paths and SHA-256s. */
  drop(files: { name: string; size: number }[]): Promise<Map<string, string>>;
}

/** A bucket, a fault proxy (already in `mode`) in front of RGW, and a started engine uploading through it. */
async function startFaultSite(
  bucket: string,
  mode: FaultMode,
  upload: Record<string, string | number>,
): Promise<FaultSite> {
  await createBucket(client, bucket);
  const proxy = await startFaultProxy(hostPort(rgw.endpoint));
  cleanups.push(() => proxy.close());
  await proxy.setMode(mode);
  const site = await makeSite(
    ({ captures, dataDir }) => `
site: ${bucket}
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
reconcileInterval: 0
rules:
  - name: all
    action: upload
    key: "{site}/{name}"
${s3DestinationYaml(rgw, bucket, proxy.endpoint)}
upload:
  offlineProbeInterval: ${PROBE_INTERVAL_MS}ms
  # Few attempts and short backoff: network trouble counted as failures would quarantine fast.
  maxAttempts: 2
  backoff: { initial: 200ms, max: 1s }
${Object.entries(upload)
  .map(([name, value]) => `  ${name}: ${value}`)
  .join('\n')}
`,
  );
  cleanups.push(() => site.cleanup());
  const engine = new CaptureEngine(await loadConfig(site.configPath));
  await engine.start();
  cleanups.push(() => engine.stop());
  return {
    engine,
    proxy,
    site,
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

/** Waits for every dropped file to be confirmed uploaded, then reads each object back. */
async function expectAllUploaded(fs: FaultSite, shas: Map<string, string>): Promise<void> {
  const records = await waitFor(
    () => {
      const all = allRecords(fs.engine.queue);
      return all.length === shas.size && all.every((r) => UPLOADED_STATES.includes(r.state))
        ? all
        : undefined;
    },
    'every file to be uploaded',
    15_000,
  );
  assert.equal(fs.engine.uploadStatus()?.online, true, 'the engine is online again');
  const objects = await listObjects(client, fs.bucket);
  assert.deepEqual(objects.map((o) => o.key).sort(), records.map((r) => r.objectKey).sort());
  for (const record of records) {
    const stored = await readObject(client, fs.bucket, record.objectKey!);
    assert.equal(sha256(stored), shas.get(record.absPath), `${record.objectKey} reads back as its file`);
  }
  assert.deepEqual(await listOpenUploads(client, fs.bucket), [], 'no multipart upload left open');
}

/** Network trouble must never count against a file: no attempts, never failed or quarantined. */
function expectNeverBlamed(fs: FaultSite, records: FileRecord[]): void {
  for (const record of records) {
    assert.equal(record.attempts, 0, `${record.relPath}: no attempt counted`);
    const visited = statesVisited(fs.engine.queue, record.id);
    for (const state of ['failed', 'quarantined'] as const) {
      assert.ok(!visited.includes(state), `${record.relPath} was never ${state}: ${visited.join(' → ')}`);
    }
  }
}

test('a store that refuses connections: offline, files wait queued, few probes, then uploads resume by themselves', async () => {
  const fs = await startFaultSite('refused', { mode: 'refuse' }, { concurrency: 2, requestTimeout: '2s' });
  const shas = await fs.drop([1, 2, 3, 4].map((i) => ({ name: `reading_${i}.bin`, size: 64 * 1024 })));

  await waitFor(() => {
    const records = allRecords(fs.engine.queue);
    return (
      fs.engine.uploadStatus()?.online === false &&
      records.length === 4 &&
      records.every((r) => r.state === 'queued')
    );
  }, 'the engine to go offline with every file queued');
  assert.equal(fs.engine.uploadStatus()?.pausedFor, 'offline');

  // Still unreachable, but now every connection attempt is accepted (and reset), so the proxy can count them.
  await fs.proxy.setMode({ mode: 'reset' });
  const connectionsBefore = fs.proxy.connections;
  const windowMs = 4000;
  const deadline = Date.now() + windowMs;
  while (Date.now() < deadline) {
    assert.equal(fs.engine.uploadStatus()?.online, false, 'stays offline while the store is down');
    const states = allRecords(fs.engine.queue).map((r) => r.state);
    assert.ok(
      states.every((s) => s === 'queued' || s === 'uploading'),
      `files wait: ${states}`,
    );
    await delay(100);
  }
  const connections = fs.proxy.connections - connectionsBefore;
  // One probe per interval (±10%), each at most three SDK attempts: a few connections, not one per file and retry.
  const maxProbes = Math.ceil(windowMs / (PROBE_INTERVAL_MS * 0.9)) + 1;
  assert.ok(connections >= 1, 'the engine keeps probing');
  assert.ok(connections <= maxProbes * 3, `${connections} connections in ${windowMs} ms is hammering`);
  expectNeverBlamed(fs, allRecords(fs.engine.queue));
  console.log(`offline for ${windowMs} ms: ${connections} connection attempts (probes) to the store`);

  await fs.proxy.setMode({ mode: 'pass' });
  await expectAllUploaded(fs, shas);
  expectNeverBlamed(fs, allRecords(fs.engine.queue));
});

test('a link cut mid-transfer: retried, nothing stored at the key meanwhile, correct objects in the end', async () => {
  const fs = await startFaultSite(
    'cut',
    { mode: 'pass' },
    {
      concurrency: 2,
      partConcurrency: 2,
      multipartThreshold: '16MiB',
      partSize: '5MiB',
      requestTimeout: '5s',
    },
  );
  // Every connection dies after 1 MiB upstream: no PUT of either file, and no 5 MiB part, can get through.
  await fs.proxy.setMode({ mode: 'cut', afterBytes: MIB });
  const shas = await fs.drop([
    { name: 'single_12mib.bin', size: 12 * MIB },
    { name: 'multipart_24mib.bin', size: 24 * MIB },
  ]);
  const uploadStarts = (record: FileRecord) =>
    statesVisited(fs.engine.queue, record.id).filter((s) => s === 'uploading').length;
  await waitFor(() => {
    const records = allRecords(fs.engine.queue);
    return records.length === 2 && records.every((r) => uploadStarts(r) >= 3);
  }, 'each file to be tried at least three times');
  for (const record of allRecords(fs.engine.queue)) {
    assert.ok(!UPLOADED_STATES.includes(record.state), `${record.relPath} cannot be through a cut link`);
    const head = await headOrAbsent(client, fs.bucket, record.objectKey!);
    assert.equal(head, undefined, `nothing (partial or not) is stored at ${record.objectKey}`);
  }
  expectNeverBlamed(fs, allRecords(fs.engine.queue));
  assert.ok(fs.proxy.bytesUp > 3 * MIB, 'data went out and was cut several times');

  await fs.proxy.setMode({ mode: 'pass' });
  await expectAllUploaded(fs, shas);
  expectNeverBlamed(fs, allRecords(fs.engine.queue));
});

test('a link that stalls: requests time out, the engine goes offline, then recovers', async () => {
  const fs = await startFaultSite('stalled', { mode: 'pass' }, { requestTimeout: '1s' });
  await fs.proxy.setMode({ mode: 'stall' });
  const shas = await fs.drop([{ name: 'stalled_1mib.bin', size: MIB }]);
  await waitFor(() => {
    const records = allRecords(fs.engine.queue);
    return (
      fs.engine.uploadStatus()?.online === false && records.length === 1 && records[0]?.state === 'queued'
    );
  }, 'the engine to go offline with the file queued');
  assert.equal(fs.engine.uploadStatus()?.pausedFor, 'offline');
  assert.match(fs.engine.uploadStatus()?.lastError ?? '', /unreachable|no answer|timed out/i);
  expectNeverBlamed(fs, allRecords(fs.engine.queue));

  await fs.proxy.setMode({ mode: 'pass' });
  await expectAllUploaded(fs, shas);
  expectNeverBlamed(fs, allRecords(fs.engine.queue));
});

test("https:// to a plain-HTTP endpoint: the destination's problem, said with the fix; uploads pause, no file is blamed", async () => {
  const plainHttp = new URL(rgw.endpoint);
  const addressedAsHttps = `https://${plainHttp.host}`;
  await createBucket(client, 'plainhttp');
  const site = await makeSite(
    ({ captures, dataDir }) => `
site: plainhttp
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
reconcileInterval: 0
rules:
  - name: all
    action: upload
    key: "{site}/{name}"
${s3DestinationYaml(rgw, 'plainhttp', addressedAsHttps)}
upload:
  offlineProbeInterval: ${PROBE_INTERVAL_MS}ms
  maxAttempts: 1
  backoff: { initial: 200ms, max: 1s }
  requestTimeout: 5s
`,
  );
  cleanups.push(() => site.cleanup());
  const engine = new CaptureEngine(await loadConfig(site.configPath));
  await engine.start();
  cleanups.push(() => engine.stop());
  for (const i of [1, 2, 3]) await dropRandomFile(join(site.captures, `plain_${i}.bin`), 4096);

  await waitFor(() => {
    const records = allRecords(engine.queue);
    return (
      engine.uploadStatus()?.online === false &&
      records.length === 3 &&
      records.every((r) => r.state === 'queued')
    );
  }, 'uploads to pause with every file queued');
  const status = engine.uploadStatus();
  assert.equal(status?.pausedFor, 'misconfigured');
  assert.match(
    status?.lastError ?? '',
    new RegExp(`speaks plain HTTP, not HTTPS: use http://${plainHttp.host} in destination\\.endpoint`),
  );
  assert.doesNotMatch(status?.lastError ?? '', /wrong version number|SSL routines|EPROTO/);
  // Files are tried again only after the probe says the destination works: none is failed or quarantined.
  await delay(3 * PROBE_INTERVAL_MS);
  const records = allRecords(engine.queue);
  assert.deepEqual(
    records.map((r) => r.state),
    ['queued', 'queued', 'queued'],
  );
  for (const record of records) {
    assert.equal(record.attempts, 0, `${record.relPath}: no attempt counted`);
    const visited = statesVisited(engine.queue, record.id);
    for (const state of ['failed', 'quarantined'] as const) {
      assert.ok(!visited.includes(state), `${record.relPath} was never ${state}: ${visited.join(' → ')}`);
    }
  }
  // `edge-capture status` reads the heartbeat: it must not say online.
  await waitFor(() => {
    const beat = JSON.parse(engine.queue.getMeta('heartbeat') ?? '{}') as { upload?: { online?: boolean } };
    return beat.upload?.online === false;
  }, 'the heartbeat to say uploads are not online');
});
