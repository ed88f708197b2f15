/**
 * The resume proof: the CLI engine, a child process, uploads one 256 MiB file to a real Ceph RGW
 * and is killed with SIGKILL mid-upload. After a restart it must send only the parts the server
 * had not completed — counted server-side by a logging proxy — and the object must be the file.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, test } from 'vitest';
import type { FileRecord } from '../main/engine/queue/types.ts';
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
  headOrAbsent,
  listOpenUploads,
  listPartNumbers,
  MIB,
  partNumberOf,
  s3DestinationYaml,
  withQueue,
  writeRandomFile,
} from './support/upload-e2e-fixtures.ts';

const CLI = join(import.meta.dirname, '..', 'main', 'cli', 'index.ts');
const BUCKET = 'resume';
const FILE_SIZE = 256 * MIB;
const PART_SIZE = 8 * MIB;
const PART_CONCURRENCY = 2;
const PART_COUNT = FILE_SIZE / PART_SIZE;
/** Parts the server must have completed before the kill, so there is something to resume. */
const KILL_AFTER_PARTS = 10;

let rgw: RgwServer;
let client: S3Client;
let requestLog: RequestLog;
let site: Site;
const children: ChildProcess[] = [];

beforeAll(async () => {
  rgw = await startRgw();
  client = makeTestClient(rgw);
  await createBucket(client, BUCKET);
  requestLog = await startRequestLog(rgw.endpoint);
  site = await makeSite(
    ({ captures, dataDir }) => `
site: resume-test
dataDir: ${dataDir}
folders:
  - id: bulk
    path: ${captures}
reconcileInterval: 0
rules:
  - name: scans
    when: { extension: bin }
    action: upload
    key: "{site}/{name}"
${s3DestinationYaml(rgw, BUCKET, requestLog.endpoint)}
upload:
  concurrency: 1
  partConcurrency: ${PART_CONCURRENCY}
  partSize: 8MiB
  multipartThreshold: 16MiB
  # Slow enough that the kill lands mid-upload, fast enough for a short test.
  bandwidth: 64M
  requestTimeout: 30s
`,
  );
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

const partNumbers = (requests: LoggedRequest[]) => [...new Set(requests.map((r) => partNumberOf(r.url)))];
const sorted = (numbers: Iterable<number>) => [...numbers].sort((a, b) => a - b);
const isCompleteMultipart = (r: LoggedRequest) => r.method === 'POST' && /[?&]uploadId=/.test(r.url);
const isCreateMultipart = (r: LoggedRequest) => r.method === 'POST' && /[?&]uploads(=|&|$)/.test(r.url);

async function sha256OfObject(key: string): Promise<string> {
  const response = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const hash = createHash('sha256');
  for await (const chunk of response.Body as Readable) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

test('a 256 MiB multipart upload killed with SIGKILL resumes with only the missing parts', async () => {
  const path = join(site.captures, 'scan_big.bin');
  const fileSha = await writeRandomFile(path, FILE_SIZE);
  const record = () => withQueue(site.dataDir, (queue) => queue.getByPath(path));

  const startedAt = Date.now();
  const killIndex = await killMidUpload();
  const firstRunMs = Date.now() - startedAt;
  const beforeKill = requestLog.requests.slice(0, killIndex);

  const killed = record();
  assert.equal(killed?.state, 'uploading', 'the queue shows the file mid-upload');
  const progress = killed.upload as MultipartProgress;
  assert.ok(progress?.uploadId, 'multipart progress (upload id) is in the queue');
  const completedBefore = await listPartNumbers(client, BUCKET, progress.key, progress.uploadId);
  const answeredBefore = partNumbers(beforeKill.filter((r) => isUploadPart(r) && r.status === 200));
  const inFlightAtKill = partNumbers(beforeKill.filter((r) => isUploadPart(r) && r.status === undefined));
  for (const n of answeredBefore) assert.ok(completedBefore.includes(n), `part ${n} answered 200 is listed`);
  assert.ok(completedBefore.length >= KILL_AFTER_PARTS && completedBefore.length < PART_COUNT);
  assert.ok(inFlightAtKill.length <= PART_CONCURRENCY, `in flight at the kill: ${inFlightAtKill}`);

  const restartedAt = Date.now();
  const done = await runUntilUploaded(record);
  const secondRunMs = Date.now() - restartedAt;

  const afterRestart = requestLog.requests.slice(killIndex);
  const sentAfter = sorted(partNumbers(afterRestart.filter(isUploadPart)));
  const resent = sentAfter.filter((n) => completedBefore.includes(n));
  assert.deepEqual(resent, [], 'no part the server had completed was sent again');
  // Parts missing from both lists can only be ones in flight at the kill that the server finished after ListParts.
  const missing = Array.from({ length: PART_COUNT }, (_, i) => i + 1).filter(
    (n) => !completedBefore.includes(n) && !sentAfter.includes(n),
  );
  assert.ok(
    missing.every((n) => inFlightAtKill.includes(n)),
    `every part was stored before the kill or sent after it (missing ${missing}, in flight ${inFlightAtKill})`,
  );
  assert.ok(
    !afterRestart.some(isCreateMultipart),
    'the same multipart upload went on; no new one was started',
  );
  const completes = afterRestart.filter(isCompleteMultipart);
  assert.equal(completes.length, 1);
  const completedId = new URL(completes[0]?.url ?? '', 'http://x').searchParams.get('uploadId');
  assert.equal(completedId, progress.uploadId, 'the upload id saved before the kill was completed');
  assertResumedHistory(done, PART_COUNT - sentAfter.length);

  const head = await headOrAbsent(client, BUCKET, progress.key);
  assert.equal(head?.ContentLength, FILE_SIZE);
  assert.equal(head?.Metadata?.['sha256'], fileSha);
  assert.equal(await sha256OfObject(progress.key), fileSha, 'the object is the file, byte for byte');
  assert.deepEqual(await listOpenUploads(client, BUCKET), [], 'no multipart upload left open at the store');

  console.log(
    `256 MiB in ${PART_COUNT} parts: ${answeredBefore.length} answered before SIGKILL at ${firstRunMs} ms ` +
      `(${completedBefore.length} listed by the server, ${progress.parts.length} saved in the queue, ` +
      `${inFlightAtKill.length} in flight); ` +
      `${sentAfter.length} sent after the restart, which finished in ${secondRunMs} ms`,
  );
});

/** First run: SIGKILL once the server holds at least KILL_AFTER_PARTS parts. Returns the log length at the kill. */
async function killMidUpload(): Promise<number> {
  const first = startEngine();
  const completedParts = () => requestLog.requests.filter((r) => isUploadPart(r) && r.status === 200);
  await waitFor(
    () => {
      if (requestLog.requests.some(isCompleteMultipart))
        throw new Error('the upload completed before the kill');
      if (first.child.exitCode !== null) throw new Error(`the engine exited early: ${first.stderr()}`);
      return completedParts().length >= KILL_AFTER_PARTS;
    },
    `${KILL_AFTER_PARTS} parts at the server`,
    60_000,
  );
  first.child.kill('SIGKILL');
  await exited(first.child);
  assert.ok(!requestLog.requests.some(isCompleteMultipart), 'killed before the upload completed');
  return requestLog.requests.length;
}

/** Second run: picks the upload up, finishes it, and stops cleanly on SIGTERM. */
async function runUntilUploaded(record: () => FileRecord | undefined): Promise<FileRecord> {
  const second = startEngine();
  const done = await waitFor(
    () => {
      if (second.child.exitCode !== null) throw new Error(`the engine exited: ${second.stderr()}`);
      const current = record();
      return current && ['uploaded', 'retained'].includes(current.state) ? current : undefined;
    },
    'the resumed upload to finish',
    120_000,
  );
  second.child.kill('SIGTERM');
  assert.equal(await exited(second.child), 0, `the engine stopped cleanly: ${second.stderr()}`);
  return done;
}

function assertResumedHistory(done: FileRecord, reused: number): void {
  const history = withQueue(site.dataDir, (queue) => queue.history(done.id)) ?? [];
  const uploadedLine = history.find((change) => change.to === 'uploaded')?.detail ?? '';
  assert.match(uploadedLine, new RegExp(`resumed, ${reused} part\\(s\\) reused$`), uploadedLine);
}
