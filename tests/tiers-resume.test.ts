/**
 * kill -9 during a fan-out multipart upload: the CLI engine sends one 96 MiB file to two buckets of a
 * real Ceph RGW ("hot" and "cold", each its own destination with its own pace) and a filesystem share,
 * and is killed with SIGKILL while both multipart uploads are part-way. After a restart each
 * destination resumes from its own recorded parts (counted server-side by a logging proxy): no part a
 * bucket had completed is sent again, no new multipart upload is started, and every copy is the file.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, test } from 'vitest';
import type { DeliveryRecord } from '../main/engine/queue/delivery-types.ts';
import type { MultipartProgress } from '../main/engine/upload/types.ts';
import {
  isUploadPart,
  type LoggedRequest,
  type RequestLog,
  startRequestLog,
} from './support/destination-request-log.ts';
import { makeSite, type Site, waitFor } from './support/engine-fixtures.ts';
import { type RgwServer, startRgw } from './support/rgw.ts';
import { makeTestClient } from './support/s3-client.ts';
import {
  createBucket,
  listOpenUploads,
  listPartNumbers,
  MIB,
  partNumberOf,
  withQueue,
  writeRandomFile,
} from './support/upload-e2e-fixtures.ts';

const CLI = join(import.meta.dirname, '..', 'main', 'cli', 'index.ts');
const FILE_SIZE = 96 * MIB;
const PART_SIZE = 8 * MIB;
const PART_COUNT = FILE_SIZE / PART_SIZE;
/** Parts each bucket must have recorded in the queue before the kill. */
const KILL_AFTER_PARTS = 3;
const BUCKETS = ['hot', 'cold'] as const;

let rgw: RgwServer;
let client: S3Client;
let requestLog: RequestLog;
let site: Site;
const children: ChildProcess[] = [];

beforeAll(async () => {
  rgw = await startRgw();
  client = makeTestClient(rgw);
  for (const bucket of BUCKETS) await createBucket(client, bucket);
  requestLog = await startRequestLog(rgw.endpoint);
  const s3 = (name: string, bandwidth: string) =>
    JSON.stringify({
      name,
      type: 's3',
      endpoint: requestLog.endpoint,
      bucket: name,
      region: rgw.region,
      forcePathStyle: true,
      credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
      // Slow enough that the kill lands mid-upload at both, each at its own pace.
      bandwidth,
    });
  site = await makeSite(
    ({ captures, dataDir }) => `
site: tiers-resume
dataDir: ${dataDir}
folders:
  - id: bulk
    path: ${captures}
reconcileInterval: 0
destinations:
  - ${s3('hot', '40M')}
  - ${s3('cold', '24M')}
  - { name: share, type: filesystem, path: ${join(dataDir, '..', 'share')} }
rules:
  - name: scans
    when: { extension: bin }
    action: upload
    to: [hot, cold, share]
    key: "{site}/{name}"
upload:
  concurrency: 1
  partConcurrency: 2
  partSize: 8MiB
  multipartThreshold: 16MiB
  requestTimeout: 30s
`,
  );
  await mkdir(join(site.root, 'share'));
});

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await site?.cleanup();
  await requestLog?.close();
  client?.destroy();
  await rgw?.stop();
});

function startEngine(): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, 'run', '--config', site.configPath, '--json'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  return { child, stderr: () => stderr };
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

const inBucket = (bucket: string) => (r: LoggedRequest) => r.url.startsWith(`/${bucket}/`);
const isCompleteMultipart = (r: LoggedRequest) => r.method === 'POST' && /[?&]uploadId=/.test(r.url);
const isCreateMultipart = (r: LoggedRequest) => r.method === 'POST' && /[?&]uploads(=|&|$)/.test(r.url);

function deliveries(path: string): DeliveryRecord[] {
  return (
    withQueue(site.dataDir, (queue) => {
      const file = queue.getByPath(path);
      return file ? queue.deliveries.forFile(file.id) : [];
    }) ?? []
  );
}

const progressOf = (d: DeliveryRecord | undefined) => d?.upload as MultipartProgress | undefined;

async function sha256OfObject(bucket: string, key: string): Promise<string> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  for await (const chunk of response.Body as Readable) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

test('kill -9 mid fan-out: each bucket resumes its own multipart upload from its own recorded parts', async () => {
  const path = join(site.captures, 'scan_big.bin');
  const fileSha = await writeRandomFile(path, FILE_SIZE);

  const first = startEngine();
  // A failure while waiting must not leave this engine running (it holds the data folder's lock).
  const killFirst = (error: unknown) => {
    first.child.kill('SIGKILL');
    throw error;
  };
  await waitFor(
    () => {
      if (requestLog.requests.some(isCompleteMultipart))
        throw new Error('an upload completed before the kill');
      if (first.child.exitCode !== null) throw new Error(`the engine exited early: ${first.stderr()}`);
      const byName = new Map(deliveries(path).map((d) => [d.destination, d]));
      return BUCKETS.every((b) => (progressOf(byName.get(b))?.parts.length ?? 0) >= KILL_AFTER_PARTS);
    },
    `${KILL_AFTER_PARTS} parts recorded for each bucket`,
    120_000,
  ).catch(killFirst);
  first.child.kill('SIGKILL');
  await exited(first.child);
  const killIndex = requestLog.requests.length;

  const killed = new Map(deliveries(path).map((d) => [d.destination, d]));
  const before = new Map<string, { progress: MultipartProgress; completed: number[] }>();
  for (const bucket of BUCKETS) {
    const delivery = killed.get(bucket);
    assert.equal(delivery?.state, 'uploading', `${bucket}: the delivery is mid-upload in the queue`);
    const progress = progressOf(delivery);
    assert.ok(progress?.uploadId, `${bucket}: its own multipart progress is in the queue`);
    const completed = await listPartNumbers(client, bucket, progress.key, progress.uploadId);
    assert.ok(
      completed.length >= KILL_AFTER_PARTS && completed.length < PART_COUNT,
      `${bucket}: ${completed}`,
    );
    before.set(bucket, { progress, completed });
  }
  assert.notEqual(before.get('hot')?.progress.uploadId, before.get('cold')?.progress.uploadId);

  const second = startEngine();
  await waitFor(
    () => {
      if (second.child.exitCode !== null) throw new Error(`the engine exited: ${second.stderr()}`);
      const all = deliveries(path);
      return all.length === 3 && all.every((d) => d.state === 'uploaded');
    },
    'every destination to have the file',
    180_000,
  );
  second.child.kill('SIGTERM');
  assert.equal(await exited(second.child), 0, `the engine stopped cleanly: ${second.stderr()}`);

  const afterRestart = requestLog.requests.slice(killIndex);
  const lines: string[] = [];
  for (const bucket of BUCKETS) {
    const { progress, completed } = before.get(bucket)!;
    const mine = afterRestart.filter(inBucket(bucket));
    const sent = [...new Set(mine.filter(isUploadPart).map((r) => partNumberOf(r.url)))];
    assert.deepEqual(
      sent.filter((n) => completed.includes(n)),
      [],
      `${bucket}: no part the bucket had completed was sent again`,
    );
    assert.ok(!mine.some(isCreateMultipart), `${bucket}: the same multipart upload went on`);
    const completes = mine.filter(isCompleteMultipart);
    assert.equal(completes.length, 1);
    const completedId = new URL(completes[0]?.url ?? '', 'http://x').searchParams.get('uploadId');
    assert.equal(
      completedId,
      progress.uploadId,
      `${bucket}: the upload id saved before the kill was completed`,
    );
    assert.equal(await sha256OfObject(bucket, progress.key), fileSha, `${bucket}: the object is the file`);
    assert.deepEqual(await listOpenUploads(client, bucket), [], `${bucket}: no multipart upload left open`);
    lines.push(`${bucket}: ${completed.length} parts stored before the kill, ${sent.length} sent after`);
  }
  const share = deliveries(path).find((d) => d.destination === 'share');
  const copy = await readFile(join(site.root, 'share', share?.objectKey ?? ''));
  assert.equal(createHash('sha256').update(copy).digest('hex'), fileSha, 'the share copy is the file');
  console.log(
    `${FILE_SIZE / MIB} MiB in ${PART_COUNT} parts to two buckets and a share; ${lines.join('; ')}`,
  );
});
