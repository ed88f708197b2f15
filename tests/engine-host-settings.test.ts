import assert from 'node:assert/strict';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import type { EngineHost } from '../main/host/engine-host.ts';
import { replaceSetting } from '../main/host/site-file.ts';
import type { DestinationLink } from '../shared/contract/index.ts';
import { dropFile, makeSite, oneCameraYaml, type Site, waitFor } from './support/engine-fixtures.ts';
import { type HostTestClient, hostWithClient } from './support/host-client.ts';
import { type RgwServer, startRgw } from './support/rgw.ts';
import { makeTestClient } from './support/s3-client.ts';

/**
 * The Settings requests and the connectivity broadcast on a real engine uploading to a real folder
 * share and a real Ceph RGW bucket: settings in words with no secret in them, per-destination links
 * and counts, the share cut and fixed (only its uploads pause; the event says so, then recovers),
 * Test connection by name and from a draft, bandwidth checked, applied live and saved with the
 * admin's comments kept.
 */
/** Every connectivity broadcast so far: each destination's link at that moment. */
const linksSeen = (client: HostTestClient): DestinationLink[][] =>
  client
    .events('connectivity')
    .map((m) => (m['payload'] as { destinations: DestinationLink[] }).destinations);

describe('engine host: settings, destinations and the connectivity event', () => {
  let rgw: RgwServer;
  let site: Site;
  let engine: CaptureEngine;
  let host: EngineHost;
  let client: HostTestClient;
  let share: string;

  beforeAll(async () => {
    rgw = await startRgw();
    const s3 = makeTestClient(rgw);
    await s3.send(new CreateBucketCommand({ Bucket: 'settings-archive' }));
    s3.destroy();
    site = await makeSite(
      ({ captures, dataDir }) => `# Settings test site. This comment must survive saves.
site: settings-site
device: gw-1
${oneCameraYaml({ captures, dataDir })}
upload:
  offlineProbeInterval: 500ms # probe quickly in tests
  concurrency: 2
destinations:
  - name: share
    type: filesystem
    path: ${join(dataDir, '..', 'share')}
  # The archive bucket on the RGW.
  - name: archive
    type: s3
    endpoint: ${rgw.endpoint}
    region: ${rgw.region}
    bucket: settings-archive
    prefix: edge/
    credentials: { accessKeyId: ${rgw.accessKeyId}, secretAccessKey: ${rgw.secretAccessKey} }
rules:
  - name: logs
    when: { extension: log }
    action: upload
    to: [share, archive]
defaultAction: { action: skip, reason: nothing matched }
`,
    );
    share = join(site.root, 'share');
    await mkdir(share);
    engine = new CaptureEngine(await loadConfig(site.configPath), { inspectWorkers: 0 });
    await engine.start();
    ({ host, client } = await hostWithClient(engine));
  });
  afterAll(async () => {
    client?.session.closed();
    host?.close();
    await engine?.stop();
    await site?.cleanup();
    await rgw?.stop();
  });

  const statusOf = async (name: string) => {
    const { destinations } = await client.ok<{ destinations: DestinationLink[] }>('destinations.status');
    const found = destinations.find((d) => d.name === name);
    assert.ok(found, `no destination ${name}`);
    return found;
  };

  test('destinations.status: both online, with counts per destination once a file is uploaded', async () => {
    await dropFile(join(site.captures, 'a.log'), 'first\n');
    await waitFor(async () => (await statusOf('archive')).counts?.['uploaded'] === 1, 'archive uploaded 1');
    await waitFor(async () => (await statusOf('share')).counts?.['uploaded'] === 1, 'share uploaded 1');
    const archive = await statusOf('archive');
    assert.equal(archive.state, 'online');
    assert.match(archive.label ?? '', /s3:\/\/settings-archive\/edge\/ at http:\/\/127\.0\.0\.1/);
    assert.ok(archive.lastSuccessAt && archive.lastSuccessAt > 0);
    // The broadcast carried the counts too (sent on change).
    await waitFor(
      () =>
        linksSeen(client).some((links) => links.find((l) => l.name === 'share')?.counts?.['uploaded'] === 1),
      'a connectivity event with the share count',
    );
  });

  test('settings.get: everything in words, credentials as "working", the secret nowhere', async () => {
    const settings = await client.ok<{
      destinations: {
        name: string;
        facts: { label: string; value: string }[];
        credentials?: { state: string; words: string };
        draft: Record<string, unknown>;
      }[];
      upload: { label: string; value: string }[];
      bandwidth: { destination?: string; saved: string }[];
      configFile: string;
      editable: boolean;
    }>('settings.get');
    assert.equal(settings.configFile, site.configPath);
    assert.equal(settings.editable, true);
    const text = JSON.stringify(settings);
    assert.doesNotMatch(text, new RegExp(rgw.secretAccessKey), 'no secret in the settings');
    const archive = settings.destinations.find((d) => d.name === 'archive');
    assert.ok(archive);
    const facts = Object.fromEntries(archive.facts.map((f) => [f.label, f.value]));
    assert.equal(facts['Endpoint'], rgw.endpoint);
    assert.equal(facts['Bucket'], 'settings-archive');
    assert.equal(facts['Addressing'], 'path style (bucket in the path)');
    assert.equal(facts['Object Lock'], 'off');
    assert.equal(archive.credentials?.state, 'working');
    assert.match(archive.credentials?.words ?? '', new RegExp(`access key …${rgw.accessKeyId.slice(-4)}`));
    assert.equal(archive.draft['secretAccessKey'], undefined);
    const shareSettings = settings.destinations.find((d) => d.name === 'share');
    assert.equal(shareSettings?.credentials, undefined);
    assert.deepEqual(
      settings.bandwidth.map((b) => [b.destination ?? '(site)', b.saved]),
      [
        ['(site)', 'off'],
        ['share', 'off'],
        ['archive', 'off'],
      ],
    );
    assert.equal(Object.fromEntries(settings.upload.map((f) => [f.label, f.value]))['Files at once'], '2');
  });

  test('the share cut: its link goes offline in a connectivity event (archive stays online), and recovers by itself', async () => {
    const before = linksSeen(client).length;
    const moved = `${share}.away`;
    await rename(share, moved);
    await dropFile(join(site.captures, 'b.log'), 'during the outage\n');
    const offline = await waitFor(
      () =>
        linksSeen(client)
          .slice(before)
          .find((links) => links.find((l) => l.name === 'share')?.state === 'offline'),
      'a connectivity event with the share offline',
      20_000,
    );
    const cut = offline.find((l) => l.name === 'share');
    assert.ok(cut?.since, 'offline since');
    assert.ok(cut?.lastSuccessAt, 'last success still known');
    assert.match(cut?.message ?? '', /does not exist \(is the share mounted\?\)/);
    assert.equal(offline.find((l) => l.name === 'archive')?.state, 'online', 'only the share pauses');
    // The archive got the new file meanwhile.
    await waitFor(async () => (await statusOf('archive')).counts?.['uploaded'] === 2, 'archive uploaded 2');
    // While offline, the next probe time follows the probes.
    await waitFor(async () => {
      const link = await statusOf('share');
      return link.nextProbeAt !== undefined && link.nextProbeAt > Date.now() - 1000;
    }, 'a next probe time');

    await rename(moved, share);
    await waitFor(
      () =>
        linksSeen(client)
          .at(-1)
          ?.find((l) => l.name === 'share')?.state === 'online',
      'the share online again',
      20_000,
    );
    await waitFor(async () => (await statusOf('share')).counts?.['uploaded'] === 2, 'share uploaded 2');
  });

  test('destinations.test: by name, and from a draft (saved credentials kept unless new ones are typed)', async () => {
    type Report = {
      ok: boolean;
      steps: { step: string; ok: boolean; skipped?: boolean; detail: string; fix?: string }[];
    };
    const byName = await client.ok<Report>('destinations.test', { name: 'archive' });
    assert.equal(byName.ok, true, JSON.stringify(byName.steps));
    const shareReport = await client.ok<Report>('destinations.test', { name: 'share' });
    assert.equal(shareReport.ok, true, JSON.stringify(shareReport.steps));
    assert.deepEqual(
      shareReport.steps.map((s) => s.step),
      ['exists', 'folder', 'writable', 'space', 'roundtrip'],
    );

    const draft = {
      type: 's3',
      name: 'archive',
      endpoint: rgw.endpoint,
      region: rgw.region,
      bucket: 'settings-archive',
    };
    const inherited = await client.ok<Report>('destinations.test', { draft });
    assert.equal(inherited.ok, true, 'the saved credentials were used');
    const wrong = await client.ok<Report>('destinations.test', {
      draft: { ...draft, accessKeyId: rgw.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    const credentials = wrong.steps.find((s) => s.step === 'credentials');
    assert.equal(credentials?.ok, false);
    assert.match(credentials?.fix ?? '', /secret access key again/);
    const missing = await client.ok<Report>('destinations.test', { draft: { ...draft, bucket: 'nope' } });
    assert.match(missing.steps.find((s) => s.step === 'bucket')?.detail ?? '', /nope does not exist/);
    const relative = await client.ok<Report>('destinations.test', {
      draft: { type: 'filesystem', path: 'share' },
    });
    assert.equal(relative.ok, true, 'a relative path is the site file folder’s');

    const unknown = await client.request('destinations.test', { name: 'nowhere' });
    assert.equal(unknown.ok, false);
    assert.match(unknown.error?.message ?? '', /There is no destination "nowhere" \(share, archive\)/);
    const neither = await client.request('destinations.test', {});
    assert.equal(neither.error?.code, 'invalid_params');
  });

  test('bandwidth.check: the engine parser, in words; problems name the entry', async () => {
    const good = await client.ok<{ ok: boolean; words: string[]; now: string }>('bandwidth.check', {
      spec: '08:00,512k 18:00,off Sat-00:00,1M',
    });
    assert.equal(good.ok, true);
    assert.deepEqual(good.words, [
      'Every day from 08:00: 512 KiB/s',
      'Every day from 18:00: no limit',
      'Saturday from 00:00: 1 MiB/s',
    ]);
    assert.match(good.now, /KiB\/s|MiB\/s|no limit/);
    const bad = await client.ok<{ ok: boolean; issues: { message: string; hint: string; entry?: string }[] }>(
      'bandwidth.check',
      { spec: '08:00,512k Mon-25:00,1M' },
    );
    assert.equal(bad.ok, false);
    assert.equal(bad.issues[0]?.entry, 'Mon-25:00,1M');
    assert.match(bad.issues[0]?.message ?? '', /"25:00" in "Mon-25:00,1M" is not a time of day/);
    assert.equal(bad.issues[0]?.hint, 'Use 00:00 to 23:59.');
    const rate = await client.ok<{ issues: { entry?: string }[] }>('bandwidth.check', { spec: '08:00,fast' });
    assert.equal(rate.issues[0]?.entry, '08:00,fast');
    const constant = await client.ok<{ words: string[] }>('bandwidth.check', { spec: '4M' });
    assert.deepEqual(constant.words, ['Always at most 4 MiB/s.']);
  });

  test('bandwidth.update: applied live, and saved into the site file with every comment kept', async () => {
    const original = await readFile(site.configPath, 'utf8');
    const refused = await client.ok<{ ok: boolean; applied: boolean; saved: boolean }>('bandwidth.update', {
      spec: '08:00,lots',
      save: true,
    });
    assert.deepEqual([refused.ok, refused.applied, refused.saved], [false, false, false]);
    assert.equal(await readFile(site.configPath, 'utf8'), original, 'nothing written');

    const site1 = await client.ok<{ ok: boolean; applied: boolean; saved: boolean; message: string }>(
      'bandwidth.update',
      { spec: '08:00,512k 18:00,off', save: true },
    );
    assert.deepEqual([site1.ok, site1.applied, site1.saved], [true, true, true], site1.message);
    const file = await readFile(site.configPath, 'utf8');
    assert.equal(
      file,
      original.replace('  concurrency: 2\n', '  concurrency: 2\n  bandwidth: "08:00,512k 18:00,off"\n'),
      'one line added; everything else byte for byte',
    );
    const notes = engine.queue.select(
      "SELECT detail FROM events WHERE kind = 'upload' AND detail LIKE 'site bandwidth limit set to%'",
    );
    assert.ok(
      notes.some((n) => String(n.detail).includes('"08:00,512k 18:00,off"')),
      'the running engine has it',
    );

    const own = await client.ok<{ ok: boolean; saved: boolean }>('bandwidth.update', {
      spec: '1M',
      destination: 'archive',
      save: false,
    });
    assert.equal(own.ok, true);
    assert.equal(own.saved, false);
    const archive = engine.destinationStatuses().find((d) => d.name === 'archive');
    assert.equal(archive?.bandwidthLimit, 1024 * 1024, 'applied to the archive uploader');
    assert.equal(await readFile(site.configPath, 'utf8'), file, 'not saved when not asked');
    const settings = await client.ok<{ bandwidth: { destination?: string; saved: string; live?: string }[] }>(
      'settings.get',
    );
    assert.deepEqual(
      settings.bandwidth.find((b) => b.destination === 'archive'),
      {
        destination: 'archive',
        saved: 'off',
        live: '1M',
      },
    );
    assert.equal(settings.bandwidth[0]?.saved, '08:00,512k 18:00,off');

    const saved = await client.ok<{ ok: boolean; saved: boolean }>('bandwidth.update', {
      spec: '2M',
      destination: 'archive',
      save: true,
    });
    assert.equal(saved.saved, true);
    const after = await readFile(site.configPath, 'utf8');
    assert.match(after, /# The archive bucket on the RGW\.\n {2}- name: archive\n/);
    assert.match(after, /credentials: \{ accessKeyId: .* \}\n {4}bandwidth: "2M"\n/);
    assert.match(after, /offlineProbeInterval: 500ms # probe quickly in tests/);
    const reloaded = await loadConfig(site.configPath);
    assert.equal(reloaded.destinations.find((d) => d.name === 'archive')?.bandwidth?.spec, '2M');
    assert.equal(reloaded.upload.bandwidth.spec, '08:00,512k 18:00,off');
  });
});

describe('replaceSetting: one value changed, the rest of the file as written', () => {
  const file = 'site.yaml';
  test('an existing scalar is replaced in place, its comment kept', () => {
    const text = 'site: a # the site\nupload:\n  bandwidth: 4M # day rate\n  concurrency: 2\n';
    assert.equal(
      replaceSetting(text, file, ['upload', 'bandwidth'], '08:00,1M'),
      'site: a # the site\nupload:\n  bandwidth: "08:00,1M" # day rate\n  concurrency: 2\n',
    );
  });
  test('a missing section is added at the end', () => {
    assert.equal(
      replaceSetting('site: a\n# last comment\n', file, ['upload', 'bandwidth'], 'off'),
      'site: a\n# last comment\nupload:\n  bandwidth: "off"\n',
    );
  });
  test('a single destination: its own bandwidth added after its last key', () => {
    const text = 'destination:\n  type: filesystem\n  path: /mnt/x # share\nrules: []\n';
    assert.equal(
      replaceSetting(text, file, ['destination', 'bandwidth'], '1M'),
      'destination:\n  type: filesystem\n  path: /mnt/x # share\n  bandwidth: "1M"\nrules: []\n',
    );
  });
  test('JSON is rewritten with the value set', () => {
    assert.equal(
      replaceSetting('{"site":"a"}', 'site.json', ['upload', 'bandwidth'], '1M'),
      '{\n  "site": "a",\n  "upload": {\n    "bandwidth": "1M"\n  }\n}\n',
    );
  });
});
