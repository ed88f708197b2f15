import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  type S3Client,
  UploadPartCommand,
  type UploadPartCommandOutput,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { assertCephInstalled, type RgwServer, startRgw } from './support/rgw.ts';
import { contentMd5, makeTestClient, readObject, sha256 } from './support/s3-client.ts';

const MiB = 1024 * 1024;
const md5Hex = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

/** Running and not a zombie left for an init to reap. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function s3ErrorName(error: unknown): string {
  return (error as { name?: string }).name ?? String(error);
}

// Fails (never skips) when Ceph is missing, saying to run tests/support/install-ceph.sh.
it('the Ceph binaries that ceph-rgw.sh runs are installed', () => assertCephInstalled());

describe('Ceph RGW on loopback (memstore)', () => {
  let rgw: RgwServer;
  let client: S3Client;

  beforeAll(async () => {
    rgw = await startRgw();
    client = makeTestClient(rgw);
    await client.send(new CreateBucketCommand({ Bucket: 'infra' }));
  });
  afterAll(async () => {
    client?.destroy();
    await rgw?.stop();
  });

  it('serves S3 on a loopback endpoint with generated credentials', () => {
    assert.match(rgw.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(rgw.accessKeyId, /^[A-Z0-9]{20}$/);
    assert.equal(rgw.secretAccessKey.length, 40);
    assert.equal(rgw.region, 'default');
  });

  it('stores an object sent with Content-MD5; HeadObject shows its MD5 ETag', async () => {
    const body = randomBytes(256 * 1024);
    await client.send(
      new PutObjectCommand({ Bucket: 'infra', Key: 'single.bin', Body: body, ContentMD5: contentMd5(body) }),
    );
    const head = await client.send(new HeadObjectCommand({ Bucket: 'infra', Key: 'single.bin' }));
    assert.equal(head.ETag, `"${md5Hex(body)}"`);
    assert.equal(head.ContentLength, body.length);
    assert.equal(sha256(await readObject(client, 'infra', 'single.bin')), sha256(body));
  });

  it('rejects a body that does not match its Content-MD5 (BadDigest)', async () => {
    const body = randomBytes(1024);
    await assert.rejects(
      client.send(
        new PutObjectCommand({
          Bucket: 'infra',
          Key: 'bad.bin',
          Body: body,
          ContentMD5: contentMd5(Buffer.from('x')),
        }),
      ),
      (error) => s3ErrorName(error) === 'BadDigest',
    );
  });

  it('multipart: 3 parts of 5 MiB, ListParts, complete, HeadObject ETag, same bytes back', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(5 * MiB)];
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: 'infra', Key: 'multi.bin' }),
    );
    assert.ok(UploadId);
    const etags: string[] = [];
    for (const [index, part] of parts.entries()) {
      const uploaded: UploadPartCommandOutput = await client.send(
        new UploadPartCommand({
          Bucket: 'infra',
          Key: 'multi.bin',
          UploadId,
          PartNumber: index + 1,
          Body: part,
          ContentMD5: contentMd5(part),
        }),
      );
      assert.equal(uploaded.ETag, `"${md5Hex(part)}"`);
      etags.push(uploaded.ETag);
    }

    const listed = await client.send(new ListPartsCommand({ Bucket: 'infra', Key: 'multi.bin', UploadId }));
    assert.deepEqual(
      listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag]),
      etags.map((etag, i) => [i + 1, 5 * MiB, etag]),
    );

    // RGW 16.2 answers CompleteMultipartUpload with an empty ETag: read it from HeadObject.
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'infra',
        Key: 'multi.bin',
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    const head = await client.send(new HeadObjectCommand({ Bucket: 'infra', Key: 'multi.bin' }));
    const partMd5s = Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()));
    assert.equal(head.ETag, `"${md5Hex(partMd5s)}-3"`);
    assert.equal(head.ContentLength, 15 * MiB);
    assert.equal(sha256(await readObject(client, 'infra', 'multi.bin')), sha256(Buffer.concat(parts)));
  });

  it('AbortMultipartUpload removes the upload and its parts', async () => {
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: 'infra', Key: 'aborted.bin' }),
    );
    await client.send(
      new UploadPartCommand({
        Bucket: 'infra',
        Key: 'aborted.bin',
        UploadId,
        PartNumber: 1,
        Body: randomBytes(MiB),
      }),
    );
    const uploadIds = async () =>
      (await client.send(new ListMultipartUploadsCommand({ Bucket: 'infra' }))).Uploads?.map(
        (u) => u.UploadId,
      ) ?? [];
    assert.ok((await uploadIds()).includes(UploadId));

    await client.send(new AbortMultipartUploadCommand({ Bucket: 'infra', Key: 'aborted.bin', UploadId }));
    assert.ok(!(await uploadIds()).includes(UploadId));
    // AWS says NoSuchUpload here; RGW 16.2 says NoSuchKey.
    await assert.rejects(
      client.send(new ListPartsCommand({ Bucket: 'infra', Key: 'aborted.bin', UploadId })),
      (error) => ['NoSuchUpload', 'NoSuchKey'].includes(s3ErrorName(error)),
    );
  });

  it('Object Lock: needs a bucket created with it, then default retention protects versions', async () => {
    const lockConfig = {
      ObjectLockEnabled: 'Enabled' as const,
      Rule: { DefaultRetention: { Mode: 'GOVERNANCE' as const, Days: 1 } },
    };
    await assert.rejects(
      client.send(
        new PutObjectLockConfigurationCommand({ Bucket: 'infra', ObjectLockConfiguration: lockConfig }),
      ),
      (error) => s3ErrorName(error) === 'InvalidBucketState',
    );

    await client.send(new CreateBucketCommand({ Bucket: 'locked', ObjectLockEnabledForBucket: true }));
    await client.send(
      new PutObjectLockConfigurationCommand({ Bucket: 'locked', ObjectLockConfiguration: lockConfig }),
    );
    const body = Buffer.from('retained');
    const { VersionId } = await client.send(
      new PutObjectCommand({ Bucket: 'locked', Key: 'kept', Body: body, ContentMD5: contentMd5(body) }),
    );
    assert.ok(VersionId, 'an Object Lock bucket is versioned');
    const { Retention } = await client.send(new GetObjectRetentionCommand({ Bucket: 'locked', Key: 'kept' }));
    assert.equal(Retention?.Mode, 'GOVERNANCE');
    assert.ok(Retention?.RetainUntilDate && Retention.RetainUntilDate.getTime() > Date.now());

    await assert.rejects(
      client.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'kept', VersionId })),
      (error) => s3ErrorName(error) === 'AccessDenied',
    );
    assert.equal(sha256(await readObject(client, 'locked', 'kept')), sha256(body));
  });

  it('stop() ends the mon, OSD and radosgw processes and removes the state directory', async () => {
    const pids = Object.values(rgw.pids);
    assert.ok(pids.every(isRunning), 'all three daemons run before stop()');
    client.destroy();
    await rgw.stop();
    assert.deepEqual(pids.filter(isRunning), [], 'daemons still running after stop()');
    assert.equal(existsSync(rgw.dir), false);
  });
});
