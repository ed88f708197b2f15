import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { type AddressInfo, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createS3Destination, type S3DestinationSettings } from '../main/engine/upload/destinations/s3.ts';
import { proxyFor } from '../main/engine/upload/destinations/s3-transport.ts';
import type { Destination } from '../main/engine/upload/types.ts';
import type { S3DestinationConfig } from '../shared/upload-config.ts';
import {
  expectUploadError,
  MIB,
  makeSourceFile,
  sha256Hex,
  uploadOptions,
} from './support/destination-fixtures.ts';
import { startFaultProxy } from './support/fault-proxy.ts';
import { makeTestClient, readObject } from './support/s3-client.ts';
import { type S3rverServer, startS3rver } from './support/s3rver.ts';

// Credentials come from files and settings in these tests; never let the SDK fall back to instance metadata.
process.env['AWS_EC2_METADATA_DISABLED'] = 'true';

const BUCKET = 'transport';

async function listenLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** TLS in front of s3rver, so the destination talks https with a private CA. */
async function startTlsFront(target: number, cert: string, key: string) {
  const sockets = new Set<Socket>();
  const server = createTlsServer({ cert: await readFile(cert), key: await readFile(key) }, (socket) => {
    const upstream = connect(target, '127.0.0.1');
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        socket.destroy();
        upstream.destroy();
      });
    }
    socket.pipe(upstream).pipe(socket);
  });
  const port = await listenLoopback(server);
  return { endpoint: `https://127.0.0.1:${port}`, close: () => closeServer(server, sockets) };
}

/** A forward proxy for loopback targets: absolute-URI requests and CONNECT tunnels, both recorded. */
async function startForwardProxy() {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '');
    seen.push(`${req.method} ${url.host}`);
    const upstream = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => sockets.add(socket));
  server.on('connect', (req, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    if (host !== '127.0.0.1') return client.destroy();
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const port = await listenLoopback(server);
  return { url: `http://127.0.0.1:${port}`, seen, close: () => closeServer(server, sockets) };
}

describe('S3 destination transport: CA bundle, proxy, credentials, shared agent', () => {
  let s3rver: S3rverServer;
  let dir: string;
  let tls: { cert: string; key: string };
  const opened: Destination[] = [];

  beforeAll(async () => {
    s3rver = await startS3rver({ buckets: [BUCKET] });
    dir = await mkdtemp(join(tmpdir(), 'edge-transport-'));
    tls = makeCertificateFor127(dir);
  });
  afterAll(async () => {
    for (const destination of opened) await destination.close();
    await s3rver?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function destination(settings: Partial<S3DestinationConfig & S3DestinationSettings> = {}): Destination {
    const created = createS3Destination({
      type: 's3',
      endpoint: s3rver.endpoint,
      bucket: BUCKET,
      credentials: { accessKeyId: s3rver.accessKeyId, secretAccessKey: s3rver.secretAccessKey },
      partSize: 5 * MIB,
      multipartThreshold: 8 * MIB,
      partConcurrency: 2,
      requestTimeoutMs: 10_000,
      maxSockets: 4,
      maxAttempts: 1,
      ...settings,
    });
    opened.push(created);
    return created;
  }

  async function readBack(key: string): Promise<string> {
    const client = makeTestClient(s3rver);
    try {
      return sha256Hex(await readObject(client, BUCKET, key));
    } finally {
      client.destroy();
    }
  }

  it('trusts a private CA given as caBundle; without it the untrusted certificate is an auth problem', async () => {
    const { cert, key } = tls;
    const front = await startTlsFront(Number(new URL(s3rver.endpoint).port), cert, key);
    try {
      const untrusted = destination({ endpoint: front.endpoint });
      const error = await expectUploadError(untrusted.probe(), 'auth');
      assert.match(error.message, /caBundle/);

      const trusted = destination({ endpoint: front.endpoint, caBundle: cert });
      await trusted.probe();
      const file = await makeSourceFile(dir, 'tls.bin', 5000);
      const result = await trusted.upload(file.source, uploadOptions());
      assert.equal(await readBack(result.key), file.source.sha256);
    } finally {
      await front.close();
    }
  });

  it('goes through an HTTP proxy: absolute-URI requests for http, a CONNECT tunnel for https', async () => {
    const proxy = await startForwardProxy();
    const { cert, key } = tls;
    const front = await startTlsFront(Number(new URL(s3rver.endpoint).port), cert, key);
    try {
      const plain = await makeSourceFile(dir, 'via-proxy.bin', 3000);
      const viaHttp = await destination({ proxy: proxy.url }).upload(plain.source, uploadOptions());
      assert.equal(await readBack(viaHttp.key), plain.source.sha256);
      const port = new URL(s3rver.endpoint).port;
      assert.ok(proxy.seen.includes(`PUT 127.0.0.1:${port}`), proxy.seen.join(', '));

      const secure = await makeSourceFile(dir, 'via-tunnel.bin', 3000);
      const viaHttps = await destination({
        endpoint: front.endpoint,
        caBundle: cert,
        proxy: proxy.url,
      }).upload(secure.source, uploadOptions());
      assert.equal(await readBack(viaHttps.key), secure.source.sha256);
      assert.ok(
        proxy.seen.includes(`CONNECT 127.0.0.1:${new URL(front.endpoint).port}`),
        proxy.seen.join(', '),
      );
    } finally {
      await front.close();
      await proxy.close();
    }
  });

  it('takes the proxy from HTTPS_PROXY / HTTP_PROXY unless NO_PROXY matches the endpoint', () => {
    const env = {
      HTTPS_PROXY: 'http://secure-proxy:3128',
      HTTP_PROXY: 'http://plain-proxy:3128',
      NO_PROXY: '.internal,ceph.lab',
    };
    assert.equal(proxyFor(new URL('https://s3.example.com'), undefined, env), 'http://secure-proxy:3128');
    assert.equal(proxyFor(new URL('http://s3.example.com'), undefined, env), 'http://plain-proxy:3128');
    assert.equal(proxyFor(new URL('https://rgw.internal'), undefined, env), undefined);
    assert.equal(proxyFor(new URL('https://ceph.lab:8443'), undefined, env), undefined);
    assert.equal(proxyFor(new URL('https://s3.ceph.lab'), undefined, env), undefined);
    assert.equal(proxyFor(new URL('https://notceph.lab'), undefined, env), 'http://secure-proxy:3128');
    assert.equal(
      proxyFor(new URL('https://rgw.internal'), 'http://configured:8080', env),
      'http://configured:8080',
    );
    assert.equal(proxyFor(new URL('https://s3.example.com'), undefined, {}), undefined);
  });

  it('reads a named profile from the shared credentials file', async () => {
    const credentialsFile = join(dir, 'credentials');
    await writeFile(
      credentialsFile,
      `[edge]\naws_access_key_id = ${s3rver.accessKeyId}\naws_secret_access_key = ${s3rver.secretAccessKey}\n\n[stale]\naws_access_key_id = REVOKED\naws_secret_access_key = x\n`,
    );
    process.env['AWS_SHARED_CREDENTIALS_FILE'] = credentialsFile;
    process.env['AWS_CONFIG_FILE'] = join(dir, 'no-config');
    const file = await makeSourceFile(dir, 'profile.bin', 100);
    const result = await destination({ credentials: { profile: 'edge' } }).upload(
      file.source,
      uploadOptions(),
    );
    assert.equal(await readBack(result.key), file.source.sha256);
    await expectUploadError(destination({ credentials: { profile: 'stale' } }).probe(), 'auth');
  });

  it('keeps to maxSockets connections however many parts are in flight', async () => {
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: Number(new URL(s3rver.endpoint).port) });
    try {
      const file = await makeSourceFile(dir, 'sockets.bin', 20 * MIB);
      const dest = destination({ endpoint: proxy.endpoint, maxSockets: 2, partConcurrency: 4 });
      const result = await dest.upload(file.source, uploadOptions());
      assert.equal(result.partsSent, 4);
      assert.ok(proxy.connections <= 2, `opened ${proxy.connections} connections`);
      assert.equal(await readBack(result.key), file.source.sha256);
    } finally {
      await proxy.close();
    }
  });

  it('refuses unusable settings, naming the field to fix', () => {
    const base = {
      type: 's3' as const,
      endpoint: s3rver.endpoint,
      bucket: BUCKET,
      partSize: 5 * MIB,
      multipartThreshold: 8 * MIB,
      partConcurrency: 2,
      requestTimeoutMs: 1000,
      maxSockets: 2,
    };
    assert.throws(
      () => createS3Destination({ ...base, credentials: { accessKeyId: 'only-key' } }),
      /destination\.credentials/,
    );
    assert.throws(
      () =>
        createS3Destination({
          ...base,
          credentials: { accessKeyId: 'k', secretAccessKey: 's', profile: 'p' },
        }),
      /destination\.credentials: give either/,
    );
    assert.throws(() => createS3Destination({ ...base, endpoint: 'ftp://x' }), /destination\.endpoint/);
    assert.throws(
      () => createS3Destination({ ...base, caBundle: join(dir, 'missing.pem') }),
      /destination\.caBundle/,
    );
    assert.throws(() => createS3Destination({ ...base, proxy: 'not a url' }), /destination\.proxy/);
    assert.throws(
      () => createS3Destination({ ...base, partSize: MIB }),
      /upload\.partSize: must be at least 5MiB/,
    );
    assert.throws(() => createS3Destination({ ...base, bucket: '' }), /destination\.bucket/);
    assert.throws(
      () => createS3Destination({ ...base, objectLock: { mode: 'GOVERNANCE', days: 0 } }),
      /destination\.objectLock\.days/,
    );
  });
});

/** A certificate whose subjectAltName is IP 127.0.0.1, as Node checks the IP against it. */
function makeCertificateFor127(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=edge-capture test CA',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore', timeout: 30_000 },
  );
  return { cert, key };
}
