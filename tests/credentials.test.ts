import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { DestinationCredentials } from '../main/engine/credentials/destination-store.ts';
import { CredentialsError } from '../main/engine/credentials/store.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import type { EngineHost } from '../main/host/engine-host.ts';
import type { DestinationLink } from '../shared/contract/index.ts';
import { dropFile, makeSite, oneCameraYaml, type Site, waitFor } from './support/engine-fixtures.ts';
import { type HostTestClient, hostWithClient } from './support/host-client.ts';
import { type RgwServer, startRgw } from './support/rgw.ts';
import { makeTestClient } from './support/s3-client.ts';

/**
 * Stored S3 keys per destination, on real files and a real Ceph RGW: the key file is 0600 and refused
 * when loosened; an engine whose site file gives no keys uploads with the stored ones (and, with wrong
 * ones, says the store refuses them); the UI's `credentials.set` goes through the engine host, which
 * answers only "set" (no message the UI receives contains the secret) and picks them up without a
 * restart; the CLI reads keys from stdin (never argv) and its status never prints them.
 */
const CLI = new URL('../main/cli/index.ts', import.meta.url).pathname;
const POSIX = process.platform !== 'win32';

function runCli(args: string[], stdin: string | undefined, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; cmdline: string }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('error', reject);
      // What every user on the machine can read while the command runs (`ps`), before it gets the keys.
      readFile(`/proc/${child.pid}/cmdline`, 'utf8')
        .catch(() => '')
        .then((cmdline) => {
          if (stdin !== undefined) child.stdin.end(stdin);
          else child.stdin.end();
          child.on('close', (code) =>
            resolve({ code, stdout, stderr, cmdline: cmdline.replaceAll('\0', ' ') }),
          );
        });
    },
  );
}

describe('stored S3 keys per destination (real files, real Ceph RGW)', () => {
  let rgw: RgwServer;
  let site: Site;
  let engine: CaptureEngine | undefined;
  let host: EngineHost | undefined;
  let client: HostTestClient;
  const saved: Record<string, string | undefined> = {};
  const ISOLATE = [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_CONFIG_FILE',
    'AWS_EC2_METADATA_DISABLED',
  ];
  let cliEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    rgw = await startRgw();
    const s3 = makeTestClient(rgw);
    await s3.send(new CreateBucketCommand({ Bucket: 'stored-keys' }));
    s3.destroy();
    site = await makeSite(
      ({ captures, dataDir }) => `site: keys-site
device: gw-1
${oneCameraYaml({ captures, dataDir })}
upload:
  offlineProbeInterval: 300ms
destinations:
  - name: archive
    type: s3
    endpoint: ${rgw.endpoint}
    region: ${rgw.region}
    bucket: stored-keys
    prefix: edge/
  - name: share
    type: filesystem
    path: ${join(dataDir, '..', 'share')}
rules:
  - name: logs
    when: { extension: log }
    action: upload
    to: [archive]
defaultAction: { action: skip, reason: nothing matched }
`,
    );
    // No keys from anywhere else: not the environment, not ~/.aws, not instance metadata.
    for (const key of ISOLATE) saved[key] = process.env[key];
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
      delete process.env[key];
    process.env['AWS_SHARED_CREDENTIALS_FILE'] = join(site.root, 'no-aws-credentials');
    process.env['AWS_CONFIG_FILE'] = join(site.root, 'no-aws-config');
    process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
    cliEnv = { ...process.env };
  });

  afterAll(async () => {
    client?.session.closed();
    host?.close();
    await engine?.stop();
    for (const key of ISOLATE) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await site?.cleanup();
    await rgw?.stop();
  });

  // File modes mean nothing on Windows; here (Linux, CI) this always runs.
  test.skipIf(!POSIX)('the key file is 0600 under any umask, and refused once loosened', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edge-keys-'));
    try {
      const store = new DestinationCredentials(join(dir, 'data'));
      const umask = process.umask(0o000);
      try {
        await store.write('archive', { accessKeyId: 'AKIDFIRST', secretAccessKey: 'first-secret' });
        await store.write('other', { accessKeyId: 'AKIDOTHER', secretAccessKey: 'other-secret' });
      } finally {
        process.umask(umask);
      }
      assert.equal((await stat(store.path)).mode & 0o777, 0o600);
      assert.deepEqual(await readdir(join(dir, 'data')), ['credentials.json'], 'no temporary file left');
      assert.deepEqual(await store.names(), ['archive', 'other']);
      assert.equal((await store.read('archive'))?.secretAccessKey, 'first-secret');
      assert.equal(await store.clear('other'), true);
      assert.equal(await store.clear('other'), false);
      assert.deepEqual(await store.names(), ['archive']);
      await chmod(store.path, 0o644);
      await assert.rejects(store.read('archive'), (error: Error) => {
        assert.ok(error instanceof CredentialsError);
        assert.match(error.message, /can be read by other users \(mode 644\); run "chmod 600 /);
        assert.doesNotMatch(error.message, /first-secret/);
        return true;
      });
      await assert.rejects(
        store.write('archive', { accessKeyId: 'A', secretAccessKey: 'B' }),
        CredentialsError,
      );
      await chmod(store.path, 0o600);
      assert.equal((await store.read('archive'))?.accessKeyId, 'AKIDFIRST');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('wrong stored keys: the engine says the store refuses them (and how to fix it)', async () => {
    await new DestinationCredentials(site.dataDir).write('archive', {
      accessKeyId: rgw.accessKeyId,
      secretAccessKey: 'not-the-right-secret-at-all',
    });
    engine = new CaptureEngine(await loadConfig(site.configPath), { inspectWorkers: 0 });
    await engine.start();
    ({ host, client } = await hostWithClient(engine));
    await dropFile(join(site.captures, 'a.log'), 'sent with stored keys\n');
    const link = await waitFor(async () => {
      const { destinations } = await client.ok<{ destinations: DestinationLink[] }>('destinations.status');
      const archive = destinations.find((d) => d.name === 'archive');
      return archive?.pausedFor === 'auth' ? archive : undefined;
    }, 'archive paused for auth');
    assert.match(link.message ?? '', /rejected our credentials/);
    assert.match(link.message ?? '', /edge-capture credentials set/);
    const settings = await client.ok<{
      destinations: { name: string; credentials?: Record<string, unknown> }[];
    }>('settings.get');
    const archive = settings.destinations.find((d) => d.name === 'archive')?.credentials;
    assert.equal(archive?.['state'], 'failing');
    assert.equal(archive?.['source'], 'stored');
    assert.equal(archive?.['stored'], true);
  });

  test('credentials.set through the engine host: stored, answered "set" only, used without a restart; no message carries the secret', async () => {
    assert.ok(engine && host);
    const failed = await client.request('credentials.set', {
      destination: 'share',
      accessKeyId: rgw.accessKeyId,
      secretAccessKey: rgw.secretAccessKey,
    });
    assert.equal(failed.ok, false);
    assert.match(failed.error?.message ?? '', /not an S3 store/);

    const result = await client.ok('credentials.set', {
      destination: 'archive',
      accessKeyId: rgw.accessKeyId,
      secretAccessKey: rgw.secretAccessKey,
    });
    assert.deepEqual(result, { set: true, destination: 'archive' });
    const file = join(site.dataDir, 'credentials.json');
    if (POSIX) assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal(
      (await new DestinationCredentials(site.dataDir).read('archive'))?.secretAccessKey,
      rgw.secretAccessKey,
    );

    // The running engine picks them up at its next probe: the waiting file goes up.
    await waitFor(async () => {
      const { destinations } = await client.ok<{ destinations: DestinationLink[] }>('destinations.status');
      return destinations.find((d) => d.name === 'archive')?.counts?.['uploaded'] === 1;
    }, 'archive uploaded 1 with the stored keys');
    const s3 = makeTestClient(rgw);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'stored-keys', Prefix: 'edge/' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key ?? '').filter((k) => k.endsWith('a.log'));
    assert.equal(keys.length, 1, JSON.stringify(listed.Contents?.map((o) => o.Key)));
    const object = await s3.send(new GetObjectCommand({ Bucket: 'stored-keys', Key: keys[0] }));
    assert.equal(await object.Body?.transformToString(), 'sent with stored keys\n');
    s3.destroy();

    const settings = await client.ok<{
      destinations: { name: string; credentials?: Record<string, unknown> }[];
    }>('settings.get');
    const archive = settings.destinations.find((d) => d.name === 'archive')?.credentials;
    assert.ok(archive?.['state'] === 'working' || archive?.['state'] === 'set', String(archive?.['state']));
    assert.equal(archive?.['source'], 'stored');
    assert.equal(archive?.['stored'], true);
    assert.match(String(archive?.['words']), new RegExp(`…${rgw.accessKeyId.slice(-4)}`));

    const report = await client.ok<{ ok: boolean; steps: { step: string; ok: boolean }[] }>(
      'destinations.test',
      { name: 'archive' },
    );
    assert.equal(report.ok, true, JSON.stringify(report.steps));

    await waitFor(
      () => client.received.some((text) => text.includes('"credentials.changed"')),
      'a credentials.changed event',
    );
    assert.ok(client.received.length > 5);
    for (const text of client.received) {
      assert.ok(
        !text.includes(rgw.secretAccessKey),
        `a message to the UI holds the secret: ${text.slice(0, 200)}`,
      );
    }
  });

  test('CLI: credentials set reads the keys from stdin (never argv); status never prints them; clear removes them', async () => {
    const secret = `cli-${rgw.secretAccessKey}`;
    const set = await runCli(
      ['credentials', 'set', '--config', site.configPath, '--destination', 'archive'],
      `${rgw.accessKeyId}\n${secret}\n`,
      cliEnv,
    );
    assert.equal(set.code, 0, set.stderr);
    if (process.platform === 'linux') {
      assert.match(set.cmdline, /credentials set --config/);
      assert.ok(!set.cmdline.includes(secret), 'the secret is not on the command line');
    }
    assert.ok(!set.stdout.includes(secret) && !set.stderr.includes(secret));
    assert.match(set.stdout, /Keys stored for destination "archive"/);
    assert.match(set.stdout, /next request to the store/);
    assert.equal((await new DestinationCredentials(site.dataDir).read('archive'))?.secretAccessKey, secret);

    const status = await runCli(['credentials', 'status', '--config', site.configPath], undefined, cliEnv);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /archive: set, stored for this destination \(access key …/);
    assert.match(status.stdout, /share: filesystem destination, no keys needed/);
    const json = await runCli(
      ['credentials', 'status', '--config', site.configPath, '--json'],
      undefined,
      cliEnv,
    );
    const parsed = JSON.parse(json.stdout) as { destinations: { destination: string; source: string }[] };
    assert.equal(parsed.destinations.find((d) => d.destination === 'archive')?.source, 'stored');
    for (const out of [status.stdout, status.stderr, json.stdout, json.stderr]) {
      assert.ok(!out.includes(secret), 'status never prints the secret');
    }

    // A key on the command line is refused, and not echoed back.
    const argv = await runCli(
      ['credentials', 'set', '--config', site.configPath, '--destination', 'archive', 'LEAKED-SECRET'],
      '',
      cliEnv,
    );
    assert.equal(argv.code, 2);
    assert.match(argv.stderr, /never taken from the command line/);
    assert.ok(!argv.stderr.includes('LEAKED-SECRET'));

    const bad = await runCli(
      ['credentials', 'set', '--config', site.configPath, '--destination', 'archive'],
      'only-one-line\n',
      cliEnv,
    );
    assert.equal(bad.code, 2);
    assert.ok(!bad.stderr.includes('only-one-line'));

    const clear = await runCli(
      ['credentials', 'clear', '--config', site.configPath, '--destination', 'archive'],
      undefined,
      cliEnv,
    );
    assert.equal(clear.code, 0, clear.stderr);
    assert.equal(await new DestinationCredentials(site.dataDir).read('archive'), undefined);
    const after = await runCli(['credentials', 'status', '--config', site.configPath], undefined, cliEnv);
    assert.match(after.stdout, /archive: not set/);
  });
});
