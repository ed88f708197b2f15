import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectRetentionCommand,
  GetObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createS3Destination } from '../main/engine/upload/destinations/s3.ts';
import type { Destination } from '../main/engine/upload/types.ts';
import { MIB, makeSourceFile, sha256Hex, uploadOptions } from './support/destination-fixtures.ts';
import { s3DestinationScenarios } from './support/destination-scenarios.ts';
import { type RgwServer, startRgw } from './support/rgw.ts';
import { makeTestClient, readObject } from './support/s3-client.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('S3 destination against Ceph RADOS Gateway', () => {
  let rgw: RgwServer;
  beforeAll(async () => {
    rgw = await startRgw();
  });
  afterAll(async () => {
    await rgw?.stop();
  });

  s3DestinationScenarios(() => ({
    ...rgw,
    listsMultipart: true,
    verifiesSignatures: true,
    keepsCutUploads: false,
    honoursIfNoneMatch: true,
  }));

  describe('RGW-only features', () => {
    let client: S3Client;
    let dir: string;
    const opened: Destination[] = [];
    beforeAll(async () => {
      client = makeTestClient(rgw);
      dir = await mkdtemp(join(tmpdir(), 'edge-rgw-dest-'));
      // RGW 16.2 (memstore OSD) supports Object Lock: the bucket must be created with it.
      await client.send(new CreateBucketCommand({ Bucket: 'locked', ObjectLockEnabledForBucket: true }));
    });
    afterAll(async () => {
      for (const destination of opened) await destination.close();
      client?.destroy();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const lockedDestination = () => {
      const destination = createS3Destination({
        type: 's3',
        endpoint: rgw.endpoint,
        region: rgw.region,
        bucket: 'locked',
        credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
        objectLock: { mode: 'GOVERNANCE', days: 2 },
        tagging: true,
        partSize: 5 * MIB,
        multipartThreshold: 8 * MIB,
        partConcurrency: 2,
        requestTimeoutMs: 15_000,
        maxSockets: 4,
        onConflict: 'suffix',
      });
      opened.push(destination);
      return destination;
    };

    it('starts a fresh upload when the store no longer knows the saved one (NoSuchUpload)', async () => {
      const file = await makeSourceFile(dir, 'vanished.bin', 11 * MIB);
      const destination = lockedDestination();
      const first = uploadOptions({
        onSave: (p) => {
          if (p && p.parts.length === 1) first.controller.abort();
        },
      });
      await assert.rejects(destination.upload(file.source, first), { name: 'AbortError' });
      const saved = first.lastSaved();
      assert.ok(saved);
      // A lifecycle rule or another tool aborted it meanwhile.
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: 'locked', Key: saved.key, UploadId: saved.uploadId }),
      );

      const second = uploadOptions({ resume: saved });
      const result = await destination.upload(file.source, second);
      assert.equal(result.partsReused, 0);
      assert.equal(result.partsSent, 3);
      assert.equal(second.saves[0], undefined, 'the vanished upload was forgotten first');
      assert.notEqual(second.saves[1]?.uploadId, saved.uploadId);
      assert.equal(sha256Hex(await readObject(client, 'locked', result.key)), file.source.sha256);
    });

    it('stores Object Lock retention and tags, and the locked version cannot be deleted', async () => {
      const file = await makeSourceFile(dir, 'locked.bin', 4096);
      const before = Date.now();
      const result = await lockedDestination().upload(file.source, uploadOptions());
      assert.ok(result.versionId, 'a bucket with Object Lock is versioned');

      const retention = await client.send(
        new GetObjectRetentionCommand({ Bucket: 'locked', Key: result.key }),
      );
      assert.equal(retention.Retention?.Mode, 'GOVERNANCE');
      const until = retention.Retention?.RetainUntilDate?.getTime() ?? 0;
      assert.ok(until >= before + 2 * DAY_MS - 60_000 && until <= Date.now() + 2 * DAY_MS + 60_000);

      const tags = await client.send(new GetObjectTaggingCommand({ Bucket: 'locked', Key: result.key }));
      assert.deepEqual(Object.fromEntries((tags.TagSet ?? []).map((t) => [t.Key, t.Value])), {
        site: 'test site',
        rule: 'keep&send',
      });
      await assert.rejects(
        client.send(
          new DeleteObjectCommand({ Bucket: 'locked', Key: result.key, VersionId: result.versionId }),
        ),
        { name: 'AccessDenied' },
      );
    });

    // RGW 16.2 ignores the lock headers on CreateMultipartUpload (GetObjectRetention then answers
    // ObjectLockConfigurationNotFoundError); the destination notices on HEAD and sets the retention itself.
    it('applies Object Lock to multipart uploads too', async () => {
      const file = await makeSourceFile(dir, 'locked-large.bin', 11 * MIB);
      const result = await lockedDestination().upload(file.source, uploadOptions());
      assert.equal(result.partsSent, 3);
      assert.equal(sha256Hex(await readObject(client, 'locked', result.key)), file.source.sha256);
      const retention = await client.send(
        new GetObjectRetentionCommand({ Bucket: 'locked', Key: result.key }),
      );
      assert.equal(retention.Retention?.Mode, 'GOVERNANCE');
    });
  });
});
