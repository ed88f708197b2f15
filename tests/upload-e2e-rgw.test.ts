/**
 * The whole engine (watch → inspect → decide → queue → upload → retention) against a real Ceph
 * RADOS Gateway: every object in the bucket is read back and compared, byte for byte and metadata
 * field by field, with the local file and its queue record; files the rules kept back are not there.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import type { FileRecord } from '../main/engine/queue/types.ts';
import { MODEL_VERSION, type SimulatedCapture, simulate } from '../main/simulate/index.ts';
import {
  isPutObject,
  isUploadPart,
  type RequestLog,
  startRequestLog,
} from './support/destination-request-log.ts';
import { makeSite, type Site, waitFor } from './support/engine-fixtures.ts';
import { type RgwServer, startRgw } from './support/rgw.ts';
import { makeTestClient, readObject, sha256 } from './support/s3-client.ts';
import {
  allRecords,
  createBucket,
  dropRandomFile,
  headOrAbsent,
  listObjects,
  listOpenUploads,
  MIB,
  partNumberOf,
  s3DestinationYaml,
  UPLOADED_STATES,
} from './support/upload-e2e-fixtures.ts';

const BUCKET = 'plant-e2e';
const SITE = 'plant-e2e';
const DEVICE = 'gw-e2e';
/** States that end a file's journey in this test: confirmed at the store, or kept back by a rule. */
const FINAL = new Set([...UPLOADED_STATES, 'skipped', 'held', 'quarantined']);

let rgw: RgwServer;
let client: S3Client;
let requestLog: RequestLog;
let site: Site;

beforeAll(async () => {
  rgw = await startRgw();
  client = makeTestClient(rgw);
  await createBucket(client, BUCKET);
  // Every engine request passes a logging proxy, so the test can tell PutObject from UploadPart server-side.
  requestLog = await startRequestLog(rgw.endpoint);
  site = await makeSite(
    ({ captures, dataDir }) => `
site: ${SITE}
device: ${DEVICE}
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    stableWindow: 300ms
reconcileInterval: 0
rules:
  - name: personal-data
    when: { tags: { any: ["pii:*"] } }
    action: quarantine
    reason: Contains personal data
  - name: broken
    when: { tags: { any: ["file:*"] } }
    action: skip
    reason: empty or corrupt
  - name: images
    when: { contentType: image/* }
    action: upload
    key: "{site}/images/{device}/{path}"
    metadata: { capture-rule: "rule {rule}" }
  - name: tables
    when: { extension: csv }
    action: upload
    key: "{site}/tables/{path}"
  - name: big
    when: { extension: bin }
    action: upload
    key: "{site}/big/{name}"
  - name: logs
    when: { extension: log }
    action: hold
    reason: a person looks at logs first
defaultAction: { action: skip, reason: not wanted at the core }
${s3DestinationYaml(rgw, BUCKET, requestLog.endpoint)}
upload:
  concurrency: 4
  partConcurrency: 2
  multipartThreshold: 16MiB
  partSize: 5MiB
  requestTimeout: 30s
`,
  );
});

afterAll(async () => {
  await site?.cleanup();
  await requestLog?.close();
  client?.destroy();
  await rgw?.stop();
});

/** What the store must say about an uploaded file: fields compared with the queue record and config. */
function expectedMetadata(record: FileRecord, localSha: string): Record<string, string> {
  const expected: Record<string, string> = {
    sha256: localSha,
    site: SITE,
    device: DEVICE,
    folder: 'cam',
    rule: record.rule ?? '(no rule)',
    'captured-at': new Date(record.mtimeMs).toISOString(),
    'content-type': record.contentType ?? '(no content type)',
  };
  if (record.rule === 'images') expected['capture-rule'] = 'rule images';
  return expected;
}

const BIG_NAME = 'scan_0001.bin';

test('captures from the simulator: uploaded ones read back identical with their metadata; the rest are not in the bucket', async () => {
  const captures: SimulatedCapture[] = [];
  // Seed 7 gives images, tables, logs, telemetry, personal data, an empty and a corrupt file.
  await simulate({
    to: site.captures,
    ratePerSec: Infinity,
    count: 60,
    seed: 7,
    onCapture: (c) => captures.push(c),
  });
  const records = await runEngineUntilAllDone(captures.length);
  checkDecisions(captures, records);

  const uploaded = records.filter((r) => UPLOADED_STATES.includes(r.state));
  const keptBack = records.filter((r) => !UPLOADED_STATES.includes(r.state));
  // The bucket holds exactly the uploaded files' keys and their sidecars': nothing kept back, nothing extra.
  const objects = await listObjects(client, BUCKET);
  const sidecars = uploaded.flatMap((r) => (r.sidecar ? [r.sidecar] : []));
  const uploadedKeys = [
    ...uploaded.map((r) => r.objectKey ?? `(no key for ${r.relPath})`),
    ...sidecars.map((s) => s.key),
  ].sort();
  assert.deepEqual(objects.map((o) => o.key).sort(), uploadedKeys);
  for (const record of keptBack) {
    const plannedKey = record.decision?.objectKey;
    if (plannedKey) assert.equal(await headOrAbsent(client, BUCKET, plannedKey), undefined, plannedKey);
  }
  for (const record of uploaded) await checkReadsBack(record);
  assert.ok(sidecars.length > 0, 'some images had their prediction sidecars uploaded beside them');
  for (const sidecar of sidecars) {
    const stored = await readObject(client, BUCKET, sidecar.key);
    assert.equal(sha256(stored), sidecar.sha256, `${sidecar.key} reads back as the sidecar`);
    assert.equal(
      sha256(stored),
      sha256(await readFile(sidecar.absPath)),
      `${sidecar.key} is the file on disk`,
    );
  }
  assert.ok(
    uploaded.some((r) => r.inspection?.predictions?.items.length),
    'some uploaded images carried predictions from their sidecars',
  );
  await checkTransferShape(uploaded.length + sidecars.length);
  console.log(
    `uploaded ${uploaded.length} files (${objects.reduce((n, o) => n + o.size, 0)} bytes); kept back: ` +
      ['skipped', 'held', 'quarantined']
        .map((s) => `${keptBack.filter((r) => r.state === s).length} ${s}`)
        .join(', '),
  );
});

/** Starts the engine on the simulated captures, adds a 40 MiB file while it runs, and waits until every file is done. */
async function runEngineUntilAllDone(captureCount: number): Promise<FileRecord[]> {
  const engine = new CaptureEngine(await loadConfig(site.configPath));
  await engine.start();
  try {
    // Written while the engine watches: temp name first, then renamed into place.
    const bigPath = join(site.captures, 'bulk', BIG_NAME);
    const bigSha = await dropRandomFile(bigPath, 40 * MIB);
    const records = await waitFor(
      () => {
        const all = allRecords(engine.queue);
        const done = all.length === captureCount + 1 && all.every((r) => FINAL.has(r.state));
        return done ? all : undefined;
      },
      'every capture to be uploaded or kept back',
      60_000,
    );
    const big = records.find((r) => r.absPath === bigPath);
    assert.equal(big?.sha256, bigSha, 'the engine hashed the 40 MiB file as written');
    return records;
  } finally {
    await engine.stop();
  }
}

/** Each kind of capture ended where its rule sends it, and the run has something of every kind to check. */
function checkDecisions(captures: SimulatedCapture[], records: FileRecord[]): void {
  const byPath = new Map(records.map((r) => [r.absPath, r]));
  for (const capture of captures) {
    const record = byPath.get(capture.path);
    assert.ok(record, `${capture.relativePath} is in the queue`);
    if (capture.hasPii)
      assert.equal(record.state, 'quarantined', `${capture.relativePath} has personal data`);
    if (capture.kind === 'log' && !capture.hasPii) assert.equal(record.state, 'held');
  }
  const uploadedRules = new Set(records.filter((r) => UPLOADED_STATES.includes(r.state)).map((r) => r.rule));
  assert.deepEqual([...uploadedRules].sort(), ['big', 'images', 'tables'], 'images, tables and the big file');
  for (const state of ['skipped', 'held', 'quarantined'] as const) {
    assert.ok(
      records.some((r) => r.state === state),
      `the run has a ${state} file to check`,
    );
  }
  assert.ok(
    records.every((r) => r.state !== 'failed' && r.state !== 'conflict'),
    'no upload failed',
  );
}

/** The object, read back in full, is its local file, and its metadata says what the queue knows. */
async function checkReadsBack(record: FileRecord): Promise<void> {
  const key = record.objectKey!;
  const local = await readFile(record.absPath);
  const localSha = sha256(local);
  assert.equal(record.sha256, localSha, `${record.relPath}: queue sha256 matches the file`);
  const stored = await readObject(client, BUCKET, key);
  assert.equal(stored.length, local.length, `${key}: size`);
  assert.equal(sha256(stored), localSha, `${key}: content`);
  const head = await headOrAbsent(client, BUCKET, key);
  assert.equal(head?.ContentType, record.contentType, `${key}: Content-Type`);
  const metadata = head?.Metadata ?? {};
  for (const [name, value] of Object.entries(expectedMetadata(record, localSha))) {
    assert.equal(metadata[name], value, `${key}: x-amz-meta-${name}`);
  }
  const predictions = record.inspection?.predictions;
  if (predictions) {
    assert.equal(metadata['model-version'], MODEL_VERSION, `${key}: model version from the sidecar`);
    assert.equal(metadata['prediction-count'], String(predictions.items.length), `${key}: predictions`);
    const top = predictions.items.toSorted((a, b) => b.score - a.score)[0];
    assert.equal(metadata['top-label'], top?.label, `${key}: top label from the sidecar`);
  }
}

/** Server side: the 40 MiB file went up as 8 parts of one multipart upload, the small files as single PUTs. */
async function checkTransferShape(uploadedCount: number): Promise<void> {
  const bigParts = requestLog.requests.filter(
    (r) => isUploadPart(r) && r.url.includes(`/big/${BIG_NAME}`) && r.status === 200,
  );
  const partNumbers = [...new Set(bigParts.map((r) => partNumberOf(r.url)))].sort((a, b) => a - b);
  assert.deepEqual(partNumbers, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(
    // The engine's own If-None-Match probe object (written, then deleted) is not a capture.
    requestLog.requests.filter(
      (r) => isPutObject(r) && r.status === 200 && !r.url.includes('/.edge-capture/'),
    ).length,
    uploadedCount - 1,
    'one PutObject per small file',
  );
  const bigHead = await headOrAbsent(client, BUCKET, `${SITE}/big/${BIG_NAME}`);
  assert.match(bigHead?.ETag ?? '', /-8"?$/, 'multipart ETag of 8 parts');
  assert.deepEqual(await listOpenUploads(client, BUCKET), [], 'no multipart upload left open');
}
