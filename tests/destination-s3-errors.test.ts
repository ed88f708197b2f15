import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  classifyS3Error,
  isNotFound,
  isUnsupported,
  s3ErrorCode,
} from '../main/engine/upload/destinations/s3-errors.ts';
import { UploadError } from '../main/engine/upload/types.ts';
import { startFaultProxy } from './support/fault-proxy.ts';
import { type S3rverServer, startS3rver } from './support/s3rver.ts';

/** Sends the command and returns what the SDK threw: a real error object, as the destination sees it. */
async function sdkError(send: () => Promise<unknown>): Promise<unknown> {
  try {
    await send();
  } catch (err) {
    return err;
  }
  throw new Error('expected the request to fail');
}

function clientFor(endpoint: string, extra: { accessKeyId?: string; socketTimeout?: number } = {}): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: extra.accessKeyId ?? 'S3RVER', secretAccessKey: 'S3RVER' },
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(extra.socketTimeout ? { requestHandler: { socketTimeout: extra.socketTimeout } } : {}),
  });
}

/** An HTTP server that answers every request with one canned S3 error (status, code, headers). */
async function cannedErrorServer(): Promise<{
  endpoint: string;
  answer(status: number, code: string, headers?: Record<string, string>): void;
  close(): Promise<void>;
}> {
  let reply = { status: 500, code: 'InternalError', headers: {} as Record<string, string> };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${reply.code}</Code><Message>canned ${reply.code}</Message><RequestId>r1</RequestId></Error>`;
      res.writeHead(reply.status, { 'content-type': 'application/xml', ...reply.headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answer(status, code, headers = {}) {
      reply = { status, code, headers };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('classifyS3Error on errors the SDK really throws', () => {
  let s3rver: S3rverServer;
  let canned: Awaited<ReturnType<typeof cannedErrorServer>>;
  const clients: S3Client[] = [];
  const track = (client: S3Client) => {
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    s3rver = await startS3rver({ buckets: ['present'] });
    canned = await cannedErrorServer();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await canned?.close();
    await s3rver?.stop();
  });

  it('NoSuchBucket → not_found, naming the request', async () => {
    const err = await sdkError(() =>
      track(clientFor(s3rver.endpoint)).send(new PutObjectCommand({ Bucket: 'absent', Key: 'k', Body: 'x' })),
    );
    const classified = classifyS3Error(err, 'PutObject s3://absent/k');
    assert.equal(classified.kind, 'not_found');
    assert.match(classified.message, /^PutObject s3:\/\/absent\/k: the bucket does not exist/);
    assert.equal(classified.cause, err);
    assert.equal(classified.transient, false);
  });

  it('an unknown access key → auth', async () => {
    const err = await sdkError(() =>
      track(clientFor(s3rver.endpoint, { accessKeyId: 'NOBODY' })).send(
        new PutObjectCommand({ Bucket: 'present', Key: 'k', Body: 'x' }),
      ),
    );
    assert.equal(s3ErrorCode(err), 'InvalidAccessKeyId');
    assert.equal(classifyS3Error(err).kind, 'auth');
  });

  it('HEAD of a missing object is recognised as not found, GetObject of one as NoSuchKey', async () => {
    const client = track(clientFor(s3rver.endpoint));
    assert.ok(
      isNotFound(
        await sdkError(() => client.send(new HeadObjectCommand({ Bucket: 'present', Key: 'none' }))),
      ),
    );
    assert.ok(
      isNotFound(await sdkError(() => client.send(new GetObjectCommand({ Bucket: 'present', Key: 'none' })))),
    );
  });

  it('an operation s3rver does not implement is recognised as unsupported', async () => {
    const err = await sdkError(() =>
      track(clientFor(s3rver.endpoint)).send(
        new ListPartsCommand({ Bucket: 'present', Key: 'k', UploadId: 'u' }),
      ),
    );
    assert.ok(isUnsupported(err), `expected unsupported, got ${s3ErrorCode(err)}`);
  });

  it('connection refused → offline', async () => {
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: Number(new URL(s3rver.endpoint).port) });
    await proxy.setMode({ mode: 'refuse' });
    try {
      const err = await sdkError(() =>
        track(clientFor(proxy.endpoint)).send(new HeadBucketCommand({ Bucket: 'present' })),
      );
      assert.equal((err as NodeJS.ErrnoException).code, 'ECONNREFUSED');
      const classified = classifyS3Error(err);
      assert.equal(classified.kind, 'offline');
      assert.equal(classified.transient, true);
    } finally {
      await proxy.close();
    }
  });

  it('connection reset and a stalled socket past its timeout → offline', async () => {
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: Number(new URL(s3rver.endpoint).port) });
    try {
      await proxy.setMode({ mode: 'reset' });
      const reset = await sdkError(() =>
        track(clientFor(proxy.endpoint)).send(new HeadBucketCommand({ Bucket: 'present' })),
      );
      assert.equal(classifyS3Error(reset).kind, 'offline');

      await proxy.setMode({ mode: 'stall' });
      const stalled = await sdkError(() =>
        track(clientFor(proxy.endpoint, { socketTimeout: 200 })).send(
          new HeadBucketCommand({ Bucket: 'present' }),
        ),
      );
      assert.equal((stalled as Error).name, 'TimeoutError');
      assert.equal(classifyS3Error(stalled).kind, 'offline');
    } finally {
      await proxy.setMode({ mode: 'pass' });
      await proxy.close();
    }
  });

  const statusCases: [number, string, UploadError['kind']][] = [
    [503, 'SlowDown', 'throttled'],
    [429, 'TooManyRequests', 'throttled'],
    [401, 'Unauthorized', 'auth'],
    [403, 'SignatureDoesNotMatch', 'auth'],
    [400, 'ExpiredToken', 'auth'],
    [403, 'AccessDenied', 'permission'],
    [404, 'NoSuchBucket', 'not_found'],
    [400, 'InvalidArgument', 'bad_request'],
    [411, 'MissingContentLength', 'bad_request'],
    [500, 'InternalError', 'server'],
    [502, 'BadGateway', 'server'],
  ];
  for (const [status, code, kind] of statusCases) {
    it(`HTTP ${status} ${code} → ${kind}`, async () => {
      canned.answer(status, code);
      const err = await sdkError(() =>
        track(clientFor(canned.endpoint)).send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' })),
      );
      assert.equal(s3ErrorCode(err), code);
      assert.equal(classifyS3Error(err).kind, kind);
    });
  }

  it('takes retryAfterMs from Retry-After, in seconds or as a date', async () => {
    const client = track(clientFor(canned.endpoint));
    canned.answer(503, 'SlowDown', { 'retry-after': '7' });
    const seconds = classifyS3Error(
      await sdkError(() => client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' }))),
    );
    assert.equal(seconds.kind, 'throttled');
    assert.equal(seconds.retryAfterMs, 7000);

    canned.answer(503, 'SlowDown', { 'retry-after': new Date(Date.now() + 120_000).toUTCString() });
    const date = classifyS3Error(
      await sdkError(() => client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' }))),
    );
    assert.ok(date.retryAfterMs !== undefined && date.retryAfterMs > 100_000 && date.retryAfterMs <= 120_000);

    canned.answer(503, 'SlowDown');
    const none = classifyS3Error(
      await sdkError(() => client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' }))),
    );
    assert.equal(none.retryAfterMs, undefined);
  });

  it('a bodiless 403 on HEAD still classifies as permission', async () => {
    canned.answer(403, 'AccessDenied');
    const err = await sdkError(() =>
      track(clientFor(canned.endpoint)).send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' })),
    );
    assert.equal(classifyS3Error(err).kind, 'permission');
  });

  it('https:// to a plain-HTTP store → misconfigured, in operator words with the fix (no OpenSSL text)', async () => {
    const plain = new URL(s3rver.endpoint);
    const endpoint = `https://${plain.host}`;
    const err = await sdkError(() =>
      track(clientFor(endpoint)).send(new HeadBucketCommand({ Bucket: 'present' })),
    );
    assert.equal((err as NodeJS.ErrnoException).code, 'EPROTO');
    const classified = classifyS3Error(err, 'HeadBucket present', endpoint);
    assert.equal(classified.kind, 'misconfigured');
    assert.equal(classified.transient, false);
    assert.equal(
      classified.message,
      `HeadBucket present: ${endpoint} speaks plain HTTP, not HTTPS: use http://${plain.host} in destination.endpoint`,
    );
    assert.match(
      classifyS3Error(err).message,
      /speaks plain HTTP, not HTTPS: use http:\/\/ instead of https:\/\//,
    );
  });

  it('a host name that does not resolve → offline, saying which name and what to check', async () => {
    const err = await sdkError(() =>
      track(clientFor('http://no-such-store.invalid:9000')).send(
        new HeadBucketCommand({ Bucket: 'present' }),
      ),
    );
    const classified = classifyS3Error(err);
    assert.equal(classified.kind, 'offline');
    assert.match(
      classified.message,
      /cannot look up the store's host name no-such-store\.invalid \((ENOTFOUND|EAI_AGAIN)\): check destination\.endpoint and this machine's DNS/,
    );
  });

  it('a store over its quota → full (paused, never counted); an over-long key → a message about the key', async () => {
    canned.answer(403, 'QuotaExceeded');
    const quota = await sdkError(() =>
      track(clientFor(canned.endpoint)).send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' })),
    );
    assert.equal(classifyS3Error(quota).kind, 'full');
    assert.match(classifyS3Error(quota).message, /over its quota .*; raise the quota or make room/);
    canned.answer(400, 'KeyTooLongError');
    const long = await sdkError(() =>
      track(clientFor(canned.endpoint)).send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' })),
    );
    assert.equal(classifyS3Error(long).kind, 'bad_request');
    assert.match(classifyS3Error(long).message, /shorten the rule's key template/);
  });

  it('network codes with no HTTP answer (DNS failures) → offline; an UploadError passes through', () => {
    for (const code of ['ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']) {
      const err = Object.assign(new Error(`getaddrinfo ${code} store.example`), { code });
      assert.equal(classifyS3Error(err).kind, 'offline', code);
    }
    assert.equal(
      classifyS3Error(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).kind,
      'offline',
    );
    const already = new UploadError('integrity', 'x');
    assert.equal(classifyS3Error(already), already);
    assert.equal(classifyS3Error(new TypeError('a bug')).kind, 'bad_request');
  });
});
