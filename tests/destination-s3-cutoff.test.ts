import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Destination } from '../main/engine/upload/destinations/s3.ts';
import type { Destination } from '../main/engine/upload/types.ts';
import { expectUploadError, MIB, makeSourceFile, uploadOptions } from './support/destination-fixtures.ts';

// Credentials come from the settings here; never let the SDK fall back to instance metadata.
process.env['AWS_EC2_METADATA_DISABLED'] = 'true';

/**
 * A store that cuts the connection while a single PUT's body is on its way. Ceph RGW does this when it
 * refuses a PUT (no such bucket) later than the SDK waits for "100 Continue" (1 s: a busy RGW in CI):
 * the SDK has started the body, RGW answers and closes, and Node reports the socket error instead of
 * the answer. The engine then asks the bucket before calling it network trouble.
 *
 * The peer is a scripted HTTP server on loopback (RGW does it only under load, so not on demand): it
 * answers HEADs as told and cuts every PUT after its first body bytes, without an answer.
 */
interface Script {
  bucketExists: boolean;
}

function startCuttingStore(script: Script) {
  const sockets = new Set<Socket>();
  const seen: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0]?.replace(/\/$/, '');
    seen.push(`${req.method} ${path}`);
    if (req.method === 'HEAD') {
      // HeadObject: no such key. HeadBucket (the path is the bucket alone): as the script says.
      const isBucket = path === '/cut-bucket';
      res.writeHead(isBucket && script.bucketExists ? 200 : 404).end();
      return;
    }
    // A PUT: take some of the body, then reset the connection with no answer.
    req.once('data', () => req.socket.resetAndDestroy());
  });
  // The SDK asks first (Expect: 100-continue); like RGW under load, never say "continue": the SDK
  // sends the body after its own wait.
  server.on('checkContinue', (req, res) => server.emit('request', req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    seen,
    async listen(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a single PUT cut off mid-body', () => {
  let dir: string;
  const script: Script = { bucketExists: false };
  const store = startCuttingStore(script);
  let destination: Destination;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edge-cutoff-'));
    destination = createS3Destination({
      type: 's3',
      endpoint: await store.listen(),
      bucket: 'cut-bucket',
      credentials: { accessKeyId: 'test-key', secretAccessKey: 'test-secret' },
      partSize: 5 * MIB,
      multipartThreshold: 8 * MIB,
      partConcurrency: 1,
      requestTimeoutMs: 10_000,
      maxSockets: 2,
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    await destination?.close?.();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the bucket is gone: said as such (not_found), not as network trouble', async () => {
    script.bucketExists = false;
    const file = await makeSourceFile(dir, 'gone.bin', 3 * MIB);
    const error = await expectUploadError(destination.upload(file.source, uploadOptions()), 'not_found');
    expect(error.message).toMatch(/cut-bucket/);
    // The PUT was cut, then the bucket was asked.
    expect(store.seen.filter((s) => s.startsWith('PUT')).length).toBeGreaterThanOrEqual(1);
    expect(store.seen.at(-1)).toBe('HEAD /cut-bucket');
  });

  it('the bucket is there: a cut connection stays network trouble (offline, retried later)', async () => {
    script.bucketExists = true;
    const file = await makeSourceFile(dir, 'there.bin', 3 * MIB);
    await expectUploadError(destination.upload(file.source, uploadOptions()), 'offline');
    expect(store.seen.at(-1)).toBe('HEAD /cut-bucket');
  });
});
