/**
 * The uploader against the real S3 destination and a local S3 server (s3rver): metadata at the
 * store, and multipart progress that survives a stop() and a kill -9 and is resumed, not redone.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { createS3Destination } from '../main/engine/upload/destinations/s3.ts';
import { resolveUploadSettings } from '../main/engine/upload/settings.ts';
import type { MultipartProgress } from '../main/engine/upload/types.ts';
import { Uploader } from '../main/engine/upload/uploader.ts';
import { makeTestClient, readObject, sha256 } from './support/s3-client.ts';
import { type S3rverServer, startS3rver } from './support/s3rver.ts';

const MiB = 1024 * 1024;
const BUCKET = 'captures';
let server: S3rverServer;
let workDir: string;

beforeAll(async () => {
  server = await startS3rver({ buckets: [BUCKET] });
  workDir = await mkdtemp(join(tmpdir(), 'edge-uploader-s3-'));
});
afterAll(async () => {
  await server.stop();
  await rm(workDir, { recursive: true, force: true });
});

/** The destination as the engine would build it; the child process below builds the same. */
function s3Config(endpoint: string) {
  return {
    type: 's3' as const,
    endpoint,
    region: 'us-east-1',
    bucket: BUCKET,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    partSize: 5 * MiB,
    multipartThreshold: 5 * MiB,
    partConcurrency: 1,
    requestTimeoutMs: 30_000,
    maxSockets: 4,
  };
}

function destinationFor(endpoint: string) {
  return createS3Destination(s3Config(endpoint));
}

/** A 12 MiB capture (three parts) queued through the real queue API. */
async function queueBigFile(queue: CaptureQueue, dir: string, name: string): Promise<number> {
  const absPath = join(dir, name);
  const content = randomBytes(12 * MiB);
  await writeFile(absPath, content);
  const info = await stat(absPath);
  const { id } = queue.discover({
    folderId: 'cam',
    relPath: name,
    absPath,
    size: info.size,
    mtimeMs: info.mtimeMs,
  });
  queue.saveInspection(id, {
    size: info.size,
    mtimeMs: info.mtimeMs,
    sha256: createHash('sha256').update(content).digest('hex'),
    contentType: 'application/octet-stream',
    contentTypeSource: 'unknown',
    tags: { 'pii:email': 1 },
    warnings: [],
  });
  queue.saveDecision(
    id,
    {
      action: 'upload',
      rule: 'big',
      ruleIndex: 0,
      reason: 'big files go up',
      priority: 0,
      objectKey: `plant-7/cam/${name}`,
      metadata: {},
      trace: [],
      decidedAt: Date.now(),
    },
    'queued',
  );
  return id;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const partsSaved = (queue: CaptureQueue, id: number) =>
  (queue.get(id)?.upload as MultipartProgress | undefined)?.parts.length ?? 0;

async function expectResumedUpload(queue: CaptureQueue, id: number): Promise<void> {
  const destination = destinationFor(server.endpoint);
  const uploader = new Uploader(queue, destination, resolveUploadSettings({ requestTimeout: '30s' }), {
    site: 'plant-7',
    device: 'edge-1',
  });
  try {
    uploader.start();
    await waitFor(() => queue.get(id)?.state === 'uploaded', 'the resumed upload');
  } finally {
    await uploader.stop();
    await destination.close();
  }
  const record = queue.get(id)!;
  assert.match(
    queue.history(id).at(-1)!.detail!,
    /^uploaded 12 MiB as s3 key plant-7\/cam\/.+; resumed, [12] part\(s\) reused$/,
  );
  const client = makeTestClient(server);
  try {
    assert.equal(sha256(await readObject(client, BUCKET, record.objectKey!)), record.sha256);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: record.objectKey! }));
    assert.equal(head.Metadata?.site, 'plant-7');
    assert.equal(head.Metadata?.device, 'edge-1');
    assert.equal(head.Metadata?.sha256, record.sha256);
    assert.equal(head.Metadata?.pii, 'email=1');
  } finally {
    client.destroy();
  }
}

describe('Uploader with the S3 destination', () => {
  test('stop() mid-multipart keeps the parts; the next start resumes them', async () => {
    const dir = await mkdtemp(join(workDir, 'stop-'));
    const queue = new CaptureQueue(join(dir, 'queue.db'), { durability: 'normal' });
    const destination = destinationFor(server.endpoint);
    // Slow enough that stop() lands between parts.
    const uploader = new Uploader(queue, destination, resolveUploadSettings({ bandwidth: '6M' }), {
      site: 'plant-7',
      device: 'edge-1',
    });
    try {
      const id = await queueBigFile(queue, dir, 'stopped.bin');
      uploader.start();
      await waitFor(() => partsSaved(queue, id) >= 1, 'the first part to be saved');
      await uploader.stop();
      const record = queue.get(id)!;
      assert.equal(record.state, 'queued');
      assert.equal(record.attempts, 0);
      const progress = record.upload as MultipartProgress;
      assert.ok(progress.uploadId);
      assert.ok(
        progress.parts.length >= 1 && progress.parts.length < 3,
        `${progress.parts.length} parts saved`,
      );
      await expectResumedUpload(queue, id);
    } finally {
      await uploader.stop();
      await destination.close();
      queue.close();
    }
  });

  test('kill -9 mid-multipart: the restarted uploader recovers the file and resumes its parts', async () => {
    const dir = await mkdtemp(join(workDir, 'crash-'));
    const dbPath = join(dir, 'queue.db');
    const queue = new CaptureQueue(dbPath, { durability: 'normal' });
    let child: ChildProcess | undefined;
    try {
      const id = await queueBigFile(queue, dir, 'crashed.bin');
      child = spawnUploader(dir, dbPath);
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      await waitFor(() => partsSaved(queue, id) >= 1, 'the child to save a part');
      child.kill('SIGKILL');
      await exited;
      assert.equal(queue.get(id)!.state, 'uploading', 'the crash left the file mid-upload');
      await expectResumedUpload(queue, id);
    } finally {
      child?.kill('SIGKILL');
      queue.close();
    }
  });
});

/** Another process running the real uploader on the same queue file, so it can be killed outright. */
function spawnUploader(dir: string, dbPath: string): ChildProcess {
  const module = (path: string) => pathToFileURL(join(import.meta.dirname, '..', path)).href;
  const script = `
    import { CaptureQueue } from '${module('main/engine/queue/queue.ts')}';
    import { createS3Destination } from '${module('main/engine/upload/destinations/s3.ts')}';
    import { resolveUploadSettings } from '${module('main/engine/upload/settings.ts')}';
    import { Uploader } from '${module('main/engine/upload/uploader.ts')}';
    const queue = new CaptureQueue(${JSON.stringify(dbPath)}, { durability: 'normal' });
    const destination = createS3Destination(${JSON.stringify(s3Config(server.endpoint))});
    new Uploader(queue, destination, resolveUploadSettings({ bandwidth: '6M' }), { site: 'plant-7', device: 'edge-1' }).start();
  `;
  return spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'inherit', 'inherit'],
    cwd: dir,
  });
}
