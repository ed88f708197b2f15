/**
 * The orphan sweep in a bucket shared with another site, on a real Ceph RGW: our engine leaves
 * a multipart upload behind (its file is quarantined mid-upload), another site has its own
 * upload open under the same prefix. The sweep at the next start aborts ours and never theirs,
 * even when every upload in the bucket looks hours old (the listing is aged by the request log
 * in front of RGW, as a daily sweep long after the uploads began would see it).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { createS3Destination } from '../main/engine/upload/destinations/s3.ts';
import { resolveUploadSettings } from '../main/engine/upload/settings.ts';
import { Uploader } from '../main/engine/upload/uploader.ts';
import { type AlterResponse, isUploadPart, startRequestLog } from './support/destination-request-log.ts';
import { waitFor } from './support/engine-fixtures.ts';
import { type RgwServer, startRgw } from './support/rgw.ts';
import { makeTestClient } from './support/s3-client.ts';
import { createBucket, MIB } from './support/upload-e2e-fixtures.ts';

const BUCKET = 'shared';
const PREFIX = 'plant/';

let rgw: RgwServer;
let client: S3Client;
let dir: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  rgw = await startRgw();
  client = makeTestClient(rgw);
  await createBucket(client, BUCKET);
  dir = await mkdtemp(join(tmpdir(), 'edge-orphans-'));
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  client?.destroy();
  await rgw?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function openUploads(): Promise<{ key: string; uploadId: string }[]> {
  const out = await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: PREFIX }));
  return (out.Uploads ?? []).map((u) => ({ key: u.Key ?? '', uploadId: u.UploadId ?? '' }));
}

/** RGW's own listing, with every upload started two hours ago. */
async function agedListing(): Promise<string> {
  const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000).toISOString();
  const uploads = (await openUploads())
    .map(
      (u) =>
        `<Upload><Key>${u.key}</Key><UploadId>${u.uploadId}</UploadId><Initiated>${twoHoursAgo}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${BUCKET}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${uploads}</ListMultipartUploadsResult>`;
}

/** Puts a real file through the real queue API up to `queued`, as the engine would. */
async function queueFile(queue: CaptureQueue, name: string, size: number): Promise<number> {
  const absPath = join(dir, 'captures', name);
  await mkdir(join(dir, 'captures'), { recursive: true });
  const content = randomBytes(size);
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
    contentTypeSource: 'extension',
    tags: {},
    warnings: [],
  });
  queue.saveDecision(
    id,
    {
      action: 'upload',
      rule: 'everything',
      ruleIndex: 0,
      reason: 'every file goes up',
      priority: 0,
      objectKey: name,
      metadata: {},
      trace: [],
      decidedAt: Date.now(),
    },
    'queued',
  );
  return id;
}

test("the sweep aborts the multipart upload this engine left behind and never another site's under the same prefix", async () => {
  let alter: AlterResponse | undefined;
  const log = await startRequestLog(rgw.endpoint, { alterResponse: () => alter });
  cleanups.push(() => log.close());
  const destination = createS3Destination({
    type: 's3',
    endpoint: log.endpoint,
    region: rgw.region,
    bucket: BUCKET,
    prefix: PREFIX,
    forcePathStyle: true,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    partSize: 5 * MIB,
    multipartThreshold: 8 * MIB,
    partConcurrency: 1,
    requestTimeoutMs: 15_000,
    maxSockets: 4,
    maxAttempts: 1,
  });
  cleanups.push(() => destination.close());
  const queue = new CaptureQueue(join(dir, 'queue.db'), { durability: 'normal' });
  cleanups.push(() => queue.close());
  const settings = resolveUploadSettings({
    maxAttempts: 1,
    backoff: { initial: 10, max: 40 },
    offlineProbeInterval: 100,
    requestTimeout: 15_000,
  });
  const newUploader = () => new Uploader(queue, destination, settings, { site: 'plant', device: 'edge-1' });

  // Every daily sweep sees uploads hours old; our parts are refused (400) so the file is quarantined mid-upload.
  alter = async (request) => {
    if (request.method === 'GET' && /^\/shared\/?\?(.*&)?uploads(=|&|$)/.test(request.url)) {
      return { status: 200, headers: { 'content-type': 'application/xml' }, body: await agedListing() };
    }
    if (isUploadPart(request)) {
      const body = '<Error><Code>InvalidArgument</Code><Message>part refused for the test</Message></Error>';
      return { status: 400, headers: { 'content-type': 'application/xml' }, body };
    }
    return undefined;
  };
  const id = await queueFile(queue, 'ours.bin', 12 * MIB);
  const first = newUploader();
  first.start();
  await waitFor(() => queue.get(id)?.state === 'quarantined', 'our file to be quarantined mid-upload');
  await first.stop();
  const ours = await openUploads();
  assert.equal(ours.length, 1, 'our multipart upload is left open at the store');
  assert.equal(ours[0]?.key, `${PREFIX}ours.bin`);

  // Another site, with its own client, writes into the same bucket and prefix.
  const otherSite = makeTestClient(rgw);
  const theirs = await otherSite.send(
    new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: `${PREFIX}theirs.bin` }),
  );
  otherSite.destroy();

  const second = newUploader();
  second.start();
  cleanups.push(() => second.stop());
  await waitFor(
    async () => !(await openUploads()).some((u) => u.uploadId === ours[0]?.uploadId),
    'our abandoned upload to be aborted',
  );
  await waitFor(
    () =>
      queue
        .changesSince(0, 10_000)
        .some((c) => /cleaned up 1 abandoned upload|aborted \d+ abandoned/.test(c.detail ?? '')),
    'the sweep to finish',
  );
  assert.deepEqual(
    (await openUploads()).map((u) => u.uploadId),
    [theirs.UploadId],
    "another site's upload survives the sweep",
  );
});
