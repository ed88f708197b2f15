import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startFaultProxy } from './support/fault-proxy.ts';
import { contentMd5, makeTestClient, readObject, sha256 } from './support/s3-client.ts';
import { type S3rverServer, startS3rver } from './support/s3rver.ts';

describe('s3rver test store', () => {
  let server: S3rverServer;
  let client: S3Client;

  beforeAll(async () => {
    server = await startS3rver({ buckets: ['preconfigured'] });
    client = makeTestClient(server);
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });

  it('listens on loopback with the fixed s3rver credentials', () => {
    assert.match(server.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.accessKeyId, 'S3RVER');
    assert.equal(server.region, 'us-east-1');
  });

  it('creates a bucket, stores an object sent with Content-MD5 and returns the same bytes', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'created' }));
    const body = randomBytes(64 * 1024);
    await client.send(
      new PutObjectCommand({ Bucket: 'created', Key: 'dir/a.bin', Body: body, ContentMD5: contentMd5(body) }),
    );
    const head = await client.send(new HeadObjectCommand({ Bucket: 'created', Key: 'dir/a.bin' }));
    assert.equal(head.ETag, `"${createHash('md5').update(body).digest('hex')}"`);
    assert.equal(head.ContentLength, body.length);
    assert.equal(sha256(await readObject(client, 'created', 'dir/a.bin')), sha256(body));
  });

  it('creates the buckets named in opts.buckets', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'preconfigured', Key: 'k', Body: 'hello' }));
    assert.equal((await readObject(client, 'preconfigured', 'k')).toString(), 'hello');
  });

  it('is reachable through the fault proxy, and a reset proxy makes the request fail', async () => {
    const port = Number(new URL(server.endpoint).port);
    const proxy = await startFaultProxy({ host: '127.0.0.1', port });
    const viaProxy = makeTestClient({ ...server, endpoint: proxy.endpoint });
    try {
      await viaProxy.send(new PutObjectCommand({ Bucket: 'created', Key: 'proxied', Body: 'through' }));
      assert.equal((await readObject(viaProxy, 'created', 'proxied')).toString(), 'through');
      assert.ok(proxy.bytesUp > 0 && proxy.bytesDown > 0);

      proxy.cutAllConnections();
      await proxy.setMode({ mode: 'reset' });
      await assert.rejects(
        viaProxy.send(new PutObjectCommand({ Bucket: 'created', Key: 'never', Body: 'x' })),
        (error: NodeJS.ErrnoException) => ['ECONNRESET', 'EPIPE'].includes(error.code ?? ''),
      );
    } finally {
      viaProxy.destroy();
      await proxy.close();
    }
  });
});
