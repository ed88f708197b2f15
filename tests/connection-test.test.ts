import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { type ConnectionTestReport, testConnection } from '../main/engine/upload/connection-test.ts';
import type { S3DestinationConfig } from '../shared/upload-config.ts';
import { NOBODY, nodeForNobody } from './support/as-nobody.ts';
import { type RgwServer, startRgw } from './support/rgw.ts';
import { makeTestClient } from './support/s3-client.ts';

const execFileAsync = promisify(execFile);

/**
 * "Test connection" against a real Ceph RGW on loopback and real folders: each step's verdict, the
 * first failure named with its fix, later steps not tried, and nothing left behind in the bucket or
 * the share.
 */
const stepsOf = (report: ConnectionTestReport) =>
  report.steps.map((s) => `${s.step}:${s.skipped ? 'skipped' : s.ok ? 'ok' : 'FAILED'}`);
const step = (report: ConnectionTestReport, name: string) => {
  const found = report.steps.find((s) => s.step === name);
  assert.ok(found, `no step ${name} in ${JSON.stringify(stepsOf(report))}`);
  return found;
};

async function unusedLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('connection test: S3 against a real Ceph RGW', () => {
  let rgw: RgwServer;
  let client: S3Client;
  let dataDir: string;
  const base = (): S3DestinationConfig => ({
    type: 's3',
    endpoint: rgw.endpoint,
    region: rgw.region,
    bucket: 'tested',
    prefix: 'plant-7/',
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
  });
  const run = (cfg: S3DestinationConfig) => testConnection(cfg, { dataDir, stepTimeoutMs: 5000 });

  beforeAll(async () => {
    rgw = await startRgw();
    client = makeTestClient(rgw);
    await client.send(new CreateBucketCommand({ Bucket: 'tested' }));
    await client.send(new CreateBucketCommand({ Bucket: 'locked', ObjectLockEnabledForBucket: true }));
    dataDir = await mkdtemp(join(tmpdir(), 'edge-conn-test-'));
  });
  afterAll(async () => {
    client?.destroy();
    await rgw?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('good settings: every step passes, and the probe object is gone afterwards', async () => {
    const report = await run(base());
    assert.equal(report.ok, true, JSON.stringify(report.steps, null, 2));
    assert.deepEqual(stepsOf(report), [
      'dns:ok',
      'tcp:ok',
      'tls:ok',
      'credentials:ok',
      'bucket:ok',
      'write:ok',
      'delete:ok',
      'objectLock:ok',
      'clock:ok',
    ]);
    assert.match(step(report, 'dns').detail, /127\.0\.0\.1 is an IP address/);
    assert.match(step(report, 'tls').detail, /http:\/\//);
    assert.match(step(report, 'credentials').detail, new RegExp(`…${rgw.accessKeyId.slice(-4)}`));
    assert.doesNotMatch(JSON.stringify(report), new RegExp(rgw.secretAccessKey));
    assert.match(step(report, 'write').detail, /plant-7\/\.edge-capture\/connection-test-[0-9a-f-]{36}/);
    assert.match(step(report, 'clock').detail, /clock/);
    const left = await client.send(new ListObjectsV2Command({ Bucket: 'tested' }));
    assert.equal(left.KeyCount ?? 0, 0, 'nothing of the test is left in the bucket');
  });

  test('a wrong secret: the credentials step fails with the fix; bucket and write are not tried', async () => {
    const cfg = base();
    cfg.credentials = { accessKeyId: rgw.accessKeyId, secretAccessKey: `${rgw.secretAccessKey}x` };
    const report = await run(cfg);
    assert.equal(report.ok, false);
    const credentials = step(report, 'credentials');
    assert.equal(credentials.ok, false);
    assert.match(credentials.detail, /secret key does not match/);
    assert.match(credentials.fix ?? '', /secret access key again/);
    assert.equal(step(report, 'bucket').skipped, true);
    assert.equal(step(report, 'write').skipped, true);
    assert.match(step(report, 'bucket').detail, /Not tried: credentials failed/);
    assert.doesNotMatch(JSON.stringify(report), new RegExp(rgw.secretAccessKey));
  });

  test('an unknown access key: the store does not know it', async () => {
    const cfg = base();
    cfg.credentials = { accessKeyId: 'NOSUCHKEY0000000WXYZ', secretAccessKey: 'whatever' };
    const report = await run(cfg);
    assert.match(step(report, 'credentials').detail, /does not know access key …WXYZ/);
  });

  test('a missing bucket: the bucket step fails, naming it, with the fix', async () => {
    const report = await run({ ...base(), bucket: 'no-such-bucket' });
    assert.deepEqual(stepsOf(report).slice(0, 5), [
      'dns:ok',
      'tcp:ok',
      'tls:ok',
      'credentials:ok',
      'bucket:FAILED',
    ]);
    assert.match(step(report, 'bucket').detail, /no-such-bucket does not exist/);
    assert.match(step(report, 'bucket').fix ?? '', /Create bucket no-such-bucket/);
    assert.equal(step(report, 'write').skipped, true);
  });

  test('https:// to the plain-HTTP RGW: the TLS step says to use http://', async () => {
    const https = rgw.endpoint.replace(/^http:/, 'https:');
    const report = await run({ ...base(), endpoint: https });
    assert.deepEqual(stepsOf(report).slice(0, 3), ['dns:ok', 'tcp:ok', 'tls:FAILED']);
    const tls = step(report, 'tls');
    assert.match(tls.detail, /speaks plain HTTP, not HTTPS/);
    assert.equal(tls.fix, `Use ${rgw.endpoint} as the endpoint (http://, not https://).`);
    assert.equal(step(report, 'credentials').skipped, true);
  });

  test('an unused loopback port: the TCP step says nothing listens there', async () => {
    const port = await unusedLoopbackPort();
    const report = await run({ ...base(), endpoint: `http://127.0.0.1:${port}` });
    assert.deepEqual(stepsOf(report).slice(0, 3), ['dns:ok', 'tcp:FAILED', 'tls:skipped']);
    assert.match(step(report, 'tcp').detail, new RegExp(`127\\.0\\.0\\.1:${port}.*refused.*ECONNREFUSED`));
    assert.match(step(report, 'tcp').fix ?? '', /Check the port/);
  });

  test('a host name that does not resolve: the DNS step fails', async () => {
    const report = await run({ ...base(), endpoint: 'http://no-such-host.invalid:7480' });
    assert.deepEqual(stepsOf(report).slice(0, 2), ['dns:FAILED', 'tcp:skipped']);
    assert.match(step(report, 'dns').detail, /Cannot look up no-such-host\.invalid/);
  });

  test('Object Lock asked for: passes on a locked bucket, fails with the fix on a plain one', async () => {
    const locked = await run({ ...base(), bucket: 'locked', objectLock: { mode: 'GOVERNANCE', days: 1 } });
    assert.equal(step(locked, 'objectLock').ok, true, JSON.stringify(locked.steps, null, 2));
    assert.match(step(locked, 'objectLock').detail, /has Object Lock enabled: uploads get GOVERNANCE/);
    const plain = await run({ ...base(), objectLock: { mode: 'COMPLIANCE', days: 30 } });
    assert.equal(step(plain, 'objectLock').ok, false);
    assert.match(step(plain, 'objectLock').fix ?? '', /only be turned on when a bucket is created/);
    assert.equal(step(plain, 'clock').ok, true, 'later steps still run');
  });
});

describe('connection test: a filesystem share', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'edge-conn-fs-'));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('a good share: exists, folder, writable, free space, probe written, synced, read and deleted', async () => {
    const share = join(root, 'share');
    await mkdir(share);
    const report = await testConnection({ type: 'filesystem', path: share }, { dataDir: root });
    assert.equal(report.ok, true, JSON.stringify(report.steps, null, 2));
    assert.deepEqual(stepsOf(report), ['exists:ok', 'folder:ok', 'writable:ok', 'space:ok', 'roundtrip:ok']);
    assert.match(step(report, 'space').detail, /free of/);
    assert.match(
      step(report, 'roundtrip').detail,
      /synced it to disk, read it back unchanged and deleted it/,
    );
    assert.deepEqual(await readdir(share), [], 'the probe file is gone');
  });

  test('a path through a file: the first step names the file and the fix', async () => {
    await writeFile(join(root, 'not-a-folder'), 'x');
    const report = await testConnection(
      { type: 'filesystem', path: join(root, 'not-a-folder', 'edge') },
      { dataDir: root },
    );
    assert.deepEqual(stepsOf(report).slice(0, 2), ['exists:FAILED', 'folder:skipped']);
    assert.match(step(report, 'exists').detail, /not-a-folder is a file, not a folder/);
    assert.match(step(report, 'exists').fix ?? '', /Point the destination path at a folder/);
  });

  test('a share that is not mounted (missing folder): says so, with the fix', async () => {
    const report = await testConnection({ type: 'filesystem', path: join(root, 'gone') }, { dataDir: root });
    assert.match(step(report, 'exists').detail, /gone does not exist/);
    assert.match(step(report, 'exists').fix ?? '', /Mount the share/);
  });

  test('a folder the engine user may not write to (run as nobody): the writable step fails', async () => {
    // Root writes through any mode, so the test runs as nobody (uid 65534) in a child process.
    const share = join(root, 'read-only');
    await mkdir(share);
    await chmod(root, 0o755);
    await chmod(share, 0o555);
    const node = await nodeForNobody(root);
    await chmod(root, 0o755);
    const script = join(root, 'run-test.ts');
    const module = new URL('../main/engine/upload/connection-test.ts', import.meta.url).pathname;
    await writeFile(
      script,
      `import { testConnection } from ${JSON.stringify(module)};
const report = await testConnection({ type: 'filesystem', path: ${JSON.stringify(share)} }, { dataDir: ${JSON.stringify(root)} });
process.stdout.write(JSON.stringify(report));`,
    );
    await chmod(script, 0o644);
    const { stdout } = await execFileAsync(node, [script], {
      uid: NOBODY.uid,
      gid: NOBODY.gid,
      cwd: root,
    });
    const report = JSON.parse(stdout) as ConnectionTestReport;
    assert.deepEqual(stepsOf(report).slice(0, 4), [
      'exists:ok',
      'folder:ok',
      'writable:FAILED',
      'space:skipped',
    ]);
    assert.match(
      step(report, 'writable').detail,
      /permission denied for the engine's user \(uid 65534\) \(EACCES\)/,
    );
    assert.match(step(report, 'writable').fix ?? '', /Let the engine's user \(uid 65534\) write to/);
  });

  test('the local demo store before its first upload: will be created, its parent is writable', async () => {
    const dataDir = join(root, 'fresh-data');
    await mkdir(dataDir);
    const report = await testConnection(undefined, { dataDir });
    assert.equal(report.ok, true, JSON.stringify(report.steps, null, 2));
    assert.match(step(report, 'exists').detail, /does not exist yet; the engine creates it/);
  });
});
