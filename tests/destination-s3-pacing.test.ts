/**
 * The S3 destination's bandwidth cap holds over short windows, and a single PUT's memory stays
 * bounded whatever its size: measured on the wire (a loopback proxy timing request bodies in
 * front of s3rver) and in a child process's peak RSS.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BandwidthLimiter, parseBandwidth } from '../main/engine/upload/bandwidth.ts';
import { burstBytes } from '../main/engine/upload/bandwidth-limiter.ts';
import { createS3Destination } from '../main/engine/upload/destinations/s3.ts';
import { MIB, makeSourceFile, sha256Hex, uploadOptions } from './support/destination-fixtures.ts';
import { makeTestClient, readObject } from './support/s3-client.ts';
import { type S3rverServer, startS3rver } from './support/s3rver.ts';

const execFileAsync = promisify(execFile);
const BUCKET = 'pacing';

/** A reverse proxy to `target` that notes when each piece of every request body arrived. */
async function startBodyTimer(target: string) {
  const to = new URL(target);
  const arrivals: { at: number; bytes: number }[] = [];
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => arrivals.push({ at: performance.now(), bytes: chunk.length }));
    const upstream = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The most bytes that arrived within any `windowMs`. */
function busiestWindow(arrivals: { at: number; bytes: number }[], windowMs: number): number {
  let most = 0;
  for (const [i, start] of arrivals.entries()) {
    let bytes = 0;
    for (let j = i; j < arrivals.length && arrivals[j]!.at < start.at + windowMs; j++)
      bytes += arrivals[j]!.bytes;
    most = Math.max(most, bytes);
  }
  return most;
}

describe('S3 destination: bandwidth cap and memory', () => {
  let server: S3rverServer;
  let client: S3Client;
  let dir: string;
  beforeAll(async () => {
    server = await startS3rver();
    client = makeTestClient(server);
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    dir = await mkdtemp(join(tmpdir(), 'edge-pacing-'));
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds the bandwidth limit over every 250 ms on the wire, for single PUTs and parts alike', {
    timeout: 60_000,
  }, async () => {
    const rate = 2 * MIB;
    const timer = await startBodyTimer(server.endpoint);
    const destination = createS3Destination({
      type: 's3',
      endpoint: timer.endpoint,
      region: server.region,
      bucket: BUCKET,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      partSize: 5 * MIB,
      multipartThreshold: 8 * MIB,
      partConcurrency: 2,
      requestTimeoutMs: 30_000,
      maxSockets: 4,
    });
    try {
      const throttle = new BandwidthLimiter(parseBandwidth(rate));
      const single = await makeSourceFile(dir, 'single.bin', 4 * MIB);
      const parts = await makeSourceFile(dir, 'parts.bin', 10 * MIB);
      for (const file of [single, parts]) {
        const result = await destination.upload(file.source, uploadOptions({ throttle }));
        assert.equal(sha256Hex(await readObject(client, BUCKET, result.key)), file.source.sha256);
      }
      // A cap, not an average: no quarter second carries more than a quarter of the rate plus the
      // limiter's burst (what it saved up during a pause), with a fifth on top for TCP bunching.
      const windowMs = 250;
      const allowed = (rate * (windowMs / 1000) + burstBytes(rate)) * 1.2;
      const busiest = busiestWindow(timer.arrivals, windowMs);
      assert.ok(
        busiest <= allowed,
        `${(busiest / MIB).toFixed(2)} MiB arrived within ${windowMs} ms; the cap allows ${(allowed / MIB).toFixed(2)} MiB`,
      );
    } finally {
      await destination.close();
      await timer.close();
    }
  });

  it('a 160 MiB single PUT does not hold the file in memory', { timeout: 120_000 }, async () => {
    const file = await makeSourceFile(dir, 'big-single.bin', 160 * MIB);
    const warmUp = await makeSourceFile(dir, 'warm-up.bin', 2 * MIB);
    const child = join(import.meta.dirname, 'support', 'single-put-child.ts');
    const job = JSON.stringify({ server, bucket: BUCKET, source: file.source, warmUp: warmUp.source });
    const { stdout } = await execFileAsync(process.execPath, [child, job], { timeout: 100_000 });
    const { grewMb, key } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { grewMb: number; key: string };
    assert.equal(sha256Hex(await readObject(client, BUCKET, key)), file.source.sha256);
    // Holding the body would take 160 MiB on top; streaming it needs a few pieces of 64 KiB.
    assert.ok(grewMb < 32, `peak RSS grew by ${grewMb.toFixed(0)} MB during a 160 MiB single PUT`);
  });
});
