import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import type { EngineHost } from '../main/host/engine-host.ts';
import { dropFile, makeSite, oneCameraYaml, type Site, waitFor } from './support/engine-fixtures.ts';
import { type HostTestClient, hostWithClient } from './support/host-client.ts';
import { type RgwServer, startRgw } from './support/rgw.ts';
import { makeTestClient } from './support/s3-client.ts';

/**
 * settings.check / settings.update through the real engine host on a real engine (real folders,
 * chokidar, SQLite, a folder share and a Ceph RGW bucket): edits are saved with every comment of the
 * site file kept and applied without a restart; a bad or stale edit leaves file and engine as they were.
 */

interface Issue {
  path: string;
  message: string;
  hint: string;
}
interface Saved {
  ok: boolean;
  issues: Issue[];
  warnings: string[];
  changes: { section: string; words: string }[];
  saved: boolean;
  applied: boolean;
  revision?: string;
  message: string;
}
interface Settings {
  revision?: string;
  folders: { id: string; path: string; facts: { label: string; value: string }[] }[];
  upload: { label: string; value: string }[];
  retention: { label: string; value: string }[];
  destinations: { name: string; facts: { label: string; value: string }[] }[];
}

const factOf = (facts: { label: string; value: string }[], label: string) =>
  facts.find((f) => f.label === label)?.value;

/** Every file under a folder (relative paths). */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(root.length + 1));
}

describe('live settings: folders, uploads, retention (a folder share)', () => {
  let site: Site;
  let engine: CaptureEngine;
  let host: EngineHost;
  let client: HostTestClient;
  let share: string;
  let original: string;

  beforeAll(async () => {
    site = await makeSite(
      ({ captures, dataDir }) => `# Live settings test site. Every comment here must survive saves.
site: live-site
device: gw-1
dataDir: ${dataDir}
folders:
  # The main camera.
  - id: cam
    path: ${captures} # mounted from the NAS
    stableWindow: 200ms
reconcileInterval: 0

upload:
  concurrency: 2 # the uplink is shared
  offlineProbeInterval: 500ms
destination:
  type: filesystem
  path: ${join(dataDir, '..', 'share')}

# Keep copies until we trust the share.
retention:
  afterUpload: keep # for now
rules:
  - name: text
    when: { extension: txt }
    action: upload
defaultAction: { action: skip, reason: nothing matched }
`,
    );
    share = join(site.root, 'share');
    await mkdir(share);
    original = await readFile(site.configPath, 'utf8');
    engine = new CaptureEngine(await loadConfig(site.configPath), { inspectWorkers: 0 });
    await engine.start();
    ({ host, client } = await hostWithClient(engine));
  });
  afterAll(async () => {
    client?.session.closed();
    host?.close();
    await engine?.stop();
    await site?.cleanup();
  });

  const settings = () => client.ok<Settings>('settings.get');
  const update = async (edits: { path: string; value?: unknown }[], revision?: string) =>
    client.ok<Saved>('settings.update', { edits, revision: revision ?? (await settings()).revision });

  test('(a) upload concurrency and retention changed: comments byte for byte, engine runs them, no restart', async () => {
    const startedAt = engine.startedAt;
    const before = await settings();
    assert.equal(before.revision?.length, 16);
    const saved = await update(
      [
        { path: '/upload/concurrency', value: 5 },
        { path: '/retention/keepFor', value: '3d' },
      ],
      before.revision,
    );
    assert.equal(saved.ok, true, JSON.stringify(saved.issues));
    assert.equal(saved.saved, true);
    assert.equal(saved.applied, true);
    assert.ok(
      saved.changes.some((c) => c.words === 'Files at once: 2 → 5'),
      JSON.stringify(saved.changes),
    );
    assert.ok(
      saved.changes.some(
        (c) => c.section === 'retention' && /Keep local copies for: for good → 3/.test(c.words),
      ),
    );
    const expected = original
      .replace('concurrency: 2 # the uplink is shared', 'concurrency: 5 # the uplink is shared')
      .replace('  afterUpload: keep # for now\n', '  afterUpload: keep # for now\n  keepFor: "3d"\n');
    assert.equal(await readFile(site.configPath, 'utf8'), expected);
    assert.notEqual(saved.revision, before.revision);

    const after = await settings();
    assert.equal(after.revision, saved.revision);
    assert.equal(factOf(after.upload, 'Files at once'), '5');
    assert.match(factOf(after.retention, 'Keep local copies for') ?? '', /^3(\.0)? d/);
    // The running engine, not only the file: its uploader and retention use the new values.
    assert.equal(engine.config.upload.concurrency, 5);
    assert.equal(engine.destinationStatuses()[0]?.concurrency, 5);
    assert.equal(engine.retentionStatus()?.keepForMs, 3 * 24 * 3600 * 1000);
    assert.equal(engine.startedAt, startedAt);
    const starts = engine.queue.select("SELECT count(*) AS n FROM events WHERE kind = 'engine-started'");
    assert.equal(Number(starts[0]?.['n']), 1);
    assert.ok(client.events('config.reloaded').length >= 1, 'other UIs are told to reload');
    const notes = engine.queue.select("SELECT detail FROM events WHERE kind = 'settings-changed'");
    assert.match(String(notes.at(-1)?.['detail']), /Files at once: 2 → 5/);

    // Files still upload with the new uploaders.
    await dropFile(join(site.captures, 'after-a.txt'), 'a\n');
    await waitFor(
      () => engine.queue.getByPath(join(site.captures, 'after-a.txt'))?.state === 'retained',
      'after-a.txt uploaded and kept',
    );
  });

  test('(a2) the wait after a failed upload: a nested map written where there was none, the engine retries on it', async () => {
    const before = await settings();
    assert.match(
      factOf(before.upload, 'Wait after a failure') ?? '',
      /^1(\.0)? s, doubling up to 5(\.0)? min$/,
    );
    const saved = await update([
      { path: '/upload/backoff/initial', value: '2s' },
      { path: '/upload/backoff/max', value: '10m' },
    ]);
    assert.equal(saved.applied, true, JSON.stringify(saved));
    const words = saved.changes.map((c) => c.words);
    assert.ok(
      words.some((w) => /^First wait after a failure: 1(\.0)? s → 2(\.0)? s$/.test(w)),
      JSON.stringify(words),
    );
    assert.ok(
      words.some((w) => /^Longest wait between attempts: 5(\.0)? min → 10(\.0)? min$/.test(w)),
      JSON.stringify(words),
    );
    assert.deepEqual(engine.config.upload.backoff, { initialMs: 2000, maxMs: 600_000 });
    assert.match(
      await readFile(site.configPath, 'utf8'),
      /\n {2}backoff:\n {4}initial: "?2s"?\n {4}max: "?10m"?\n/,
    );
    assert.match(
      factOf((await settings()).upload, 'Wait after a failure') ?? '',
      /^2(\.0)? s, doubling up to 10(\.0)? min$/,
    );
    // Longer first wait than longest: refused under the field, file and engine as they were.
    const refused = await client.ok<Saved>('settings.update', {
      edits: [{ path: '/upload/backoff/initial', value: '20m' }],
      revision: (await settings()).revision,
    });
    assert.equal(refused.saved, false);
    assert.ok(
      refused.issues.some((i) => i.path.startsWith('/upload/backoff')),
      JSON.stringify(refused.issues),
    );
    assert.equal(engine.config.upload.backoff.initialMs, 2000);
  });

  test("(a3) a folder's own retention: saved on the folder, said in words, and its next upload is deleted locally", async () => {
    const saved = await update([{ path: '/folders/0/retention/afterUpload', value: 'delete' }]);
    assert.equal(saved.applied, true, JSON.stringify(saved));
    assert.ok(
      saved.changes.some((c) => c.words === 'Folder cam: after upload: as the site → delete the local copy'),
      JSON.stringify(saved.changes),
    );
    assert.match(
      await readFile(site.configPath, 'utf8'),
      /stableWindow: 200ms\n {4}retention:\n {6}afterUpload: "?delete"?\n/,
    );
    const after = await settings();
    const cam = after.folders.find((f) => f.id === 'cam');
    assert.equal(factOf(cam?.facts ?? [], 'After upload'), 'delete the local copy');
    assert.equal(factOf(after.retention, 'Per folder or rule'), 'folder cam: delete the local copy');
    const dropped = join(site.captures, 'after-retention.txt');
    await dropFile(dropped, 'r\n');
    await waitFor(() => engine.queue.getByPath(dropped)?.state === 'removed', 'uploaded, then deleted here');
    assert.equal(await readFile(dropped).catch(() => 'gone'), 'gone');
    // Back to the site's retention: the override leaves the file, the next file is kept again.
    const back = await update([{ path: '/folders/0/retention' }]);
    assert.ok(
      back.changes.some((c) => c.words === 'Folder cam: after upload: delete the local copy → as the site'),
      JSON.stringify(back.changes),
    );
    assert.doesNotMatch(await readFile(site.configPath, 'utf8'), /retention:\n {6}afterUpload/);
    const kept = join(site.captures, 'after-retention-2.txt');
    await dropFile(kept, 'k\n');
    await waitFor(() => engine.queue.getByPath(kept)?.state === 'retained', 'uploaded and kept');
  });

  test('(b) a capture folder added: its files (and those already there) upload; removed: queued ones go on, new ones are not seen', async () => {
    const cam2 = join(site.root, 'cam2');
    await mkdir(cam2);
    await writeFile(join(cam2, 'already-there.txt'), 'waiting\n');
    const saved = await update([
      { path: '/folders/-', value: { id: 'cam2', path: cam2, stableWindow: '200ms' } },
    ]);
    assert.equal(saved.ok, true, JSON.stringify(saved.issues));
    assert.ok(
      saved.changes.some((c) => c.words === `Capture folder cam2 added: ${cam2} (watching)`),
      JSON.stringify(saved.changes),
    );
    assert.deepEqual(
      (await settings()).folders.map((f) => f.id),
      ['cam', 'cam2'],
    );
    await dropFile(join(cam2, 'new.txt'), 'new in cam2\n');
    for (const name of ['already-there.txt', 'new.txt']) {
      await waitFor(
        () => engine.queue.getByPath(join(cam2, name))?.state === 'retained',
        `${name} in cam2 uploaded`,
      );
    }
    assert.equal(engine.queue.getByPath(join(cam2, 'new.txt'))?.folderId, 'cam2');
    const uploaded = await filesUnder(share);
    assert.ok(
      uploaded.some((p) => p.endsWith('/new.txt')),
      JSON.stringify(uploaded),
    );

    // Removed while one of its files waits (uploads paused): that file still uploads afterwards.
    engine.pauseUploads('test');
    await dropFile(join(cam2, 'queued.txt'), 'queued\n');
    await waitFor(
      () => engine.queue.getByPath(join(cam2, 'queued.txt'))?.state === 'queued',
      'queued.txt queued',
    );
    const removed = await update([{ path: '/folders/1' }]);
    assert.equal(removed.ok, true, JSON.stringify(removed.issues));
    assert.ok(removed.changes.some((c) => c.words.startsWith('Capture folder cam2 removed')));
    assert.equal(engine.uploadsPaused()?.by, 'test', 'the operator pause outlives the change');
    await dropFile(join(cam2, 'unseen.txt'), 'nobody watches\n');
    await dropFile(join(site.captures, 'marker.txt'), 'cam is still watched\n');
    engine.resumeUploads('test');
    await waitFor(
      () => engine.queue.getByPath(join(cam2, 'queued.txt'))?.state === 'retained',
      'queued.txt uploaded after its folder was removed',
    );
    await waitFor(
      () => engine.queue.getByPath(join(site.captures, 'marker.txt'))?.state === 'retained',
      'marker.txt in cam uploaded',
    );
    assert.equal(engine.queue.getByPath(join(cam2, 'unseen.txt')), undefined);
  });

  test('(c) a bad value names its field and the fix; the file stays byte for byte and the engine as it was', async () => {
    const text = await readFile(site.configPath, 'utf8');
    const zero = await update([{ path: '/upload/concurrency', value: 0 }]);
    assert.equal(zero.ok, false);
    assert.equal(zero.saved, false);
    assert.equal(zero.applied, false);
    assert.equal(zero.issues[0]?.path, '/upload/concurrency');
    assert.ok((zero.issues[0]?.hint ?? '').length > 10, JSON.stringify(zero.issues));

    const aFile = join(site.root, 'not-a-folder.txt');
    await writeFile(aFile, 'x');
    const folder = await update([{ path: '/folders/-', value: { id: 'oops', path: aFile } }]);
    assert.equal(folder.ok, false);
    assert.deepEqual(
      folder.issues.map((i) => i.path),
      ['/folders/1/path'],
    );
    assert.match(folder.issues[0]?.message ?? '', /is a file, not a folder/);
    assert.ok((folder.issues[0]?.hint ?? '').length > 10);

    const dataDir = await update([{ path: '/dataDir', value: join(site.root, 'elsewhere') }]);
    assert.equal(dataDir.ok, false);
    assert.equal(dataDir.issues[0]?.path, '/dataDir');
    assert.match(dataDir.issues[0]?.message ?? '', /cannot change while the engine runs/);

    assert.equal(await readFile(site.configPath, 'utf8'), text);
    assert.equal(engine.config.upload.concurrency, 5);
    assert.deepEqual(
      engine.config.folders.map((f) => f.id),
      ['cam'],
    );
  });

  test('(d) a save over a file edited by hand since Settings was opened is refused', async () => {
    const { revision } = await settings();
    const edited = `${await readFile(site.configPath, 'utf8')}# edited by hand\n`;
    await writeFile(site.configPath, edited);
    const saved = await update([{ path: '/upload/concurrency', value: 3 }], revision);
    assert.equal(saved.ok, false);
    assert.equal(saved.saved, false);
    assert.match(saved.message, /changed on disk since you opened Settings/);
    assert.match(saved.issues[0]?.message ?? '', /edited by hand/);
    assert.equal(await readFile(site.configPath, 'utf8'), edited);
    assert.equal(engine.config.upload.concurrency, 5);
    // With the new revision it goes through; the new uploaders keep the operator's pause.
    engine.pauseUploads('test');
    const again = await update([{ path: '/upload/concurrency', value: 3 }], (await settings()).revision);
    assert.equal(again.ok, true, JSON.stringify(again.issues));
    assert.equal(engine.config.upload.concurrency, 3);
    assert.equal(engine.destinationStatuses()[0]?.concurrency, 3);
    assert.equal(engine.destinationStatuses()[0]?.operatorPaused, true);
    engine.resumeUploads('test');
    assert.equal(engine.destinationStatuses()[0]?.operatorPaused, false);
    assert.ok((await readFile(site.configPath, 'utf8')).endsWith('# edited by hand\n'));
  });

  test('(i) a rule saved with its own retention applies it live (Rules view, no restart)', async () => {
    const config = await client.ok<{ rulesText: string; revision: string }>('config.get');
    const text = config.rulesText.replace(
      '  action: upload',
      '  action: upload\n  retention: { afterUpload: delete }',
    );
    assert.notEqual(text, config.rulesText, 'the rule text was changed');
    const saved = await client.ok<{ ok: boolean; warnings: string[]; issues: unknown[] }>('rules.update', {
      text,
      revision: config.revision,
    });
    assert.equal(saved.ok, true, JSON.stringify(saved.issues));
    assert.ok(
      !saved.warnings.some((w) => /restart/.test(w)),
      `no "at restart" warning: ${JSON.stringify(saved.warnings)}`,
    );
    await dropFile(join(site.captures, 'rule-delete.txt'), 'deleted after upload\n');
    await waitFor(
      () => engine.queue.getByPath(join(site.captures, 'rule-delete.txt'))?.state === 'removed',
      'rule-delete.txt uploaded and its local copy deleted by the rule now in force',
    );
  });

  test('(g) settings.check validates and says what would change, without writing or applying', async () => {
    const text = await readFile(site.configPath, 'utf8');
    const checked = await client.ok<Omit<Saved, 'saved' | 'applied' | 'message'>>('settings.check', {
      edits: [
        { path: '/upload/partSize', value: '32M' },
        { path: '/retention/diskGuard/maxBytes', value: '50G' },
      ],
    });
    assert.equal(checked.ok, true, JSON.stringify(checked.issues));
    assert.deepEqual(
      checked.changes.map((c) => c.words),
      ['Part size: 16 MiB → 32 MiB', 'Most the capture folders may hold: no limit → 50 GiB'],
    );
    const bad = await client.ok<Omit<Saved, 'saved' | 'applied' | 'message'>>('settings.check', {
      edits: [{ path: '/upload/partSize', value: '1k' }],
    });
    assert.equal(bad.ok, false);
    assert.equal(bad.issues[0]?.path, '/upload/partSize');
    assert.equal(await readFile(site.configPath, 'utf8'), text);
    assert.equal(engine.config.upload.partSize, 16 * 1024 * 1024);
  });
});

describe('live settings: destinations on a real Ceph RGW', () => {
  let rgw: RgwServer;
  let s3: S3Client;
  let site: Site;
  let engine: CaptureEngine;
  let host: EngineHost;
  let client: HostTestClient;
  let share: string;

  beforeAll(async () => {
    rgw = await startRgw();
    s3 = makeTestClient(rgw);
    for (const bucket of ['live-first', 'live-second'])
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    site = await makeSite(
      ({ captures, dataDir }) => `# Live destinations test site.
site: live-rgw
device: gw-2
${oneCameraYaml({ captures, dataDir })}
upload:
  offlineProbeInterval: 500ms
destinations:
  # The archive bucket on the RGW.
  - name: archive
    type: s3
    endpoint: ${rgw.endpoint}
    region: ${rgw.region}
    bucket: live-first
    prefix: edge/ # where the plant's files go
    credentials: { accessKeyId: ${rgw.accessKeyId}, secretAccessKey: ${rgw.secretAccessKey} }
rules:
  - name: text
    when: { extension: txt }
    action: upload
defaultAction: { action: skip, reason: nothing matched }
`,
    );
    share = join(site.root, 'share');
    await mkdir(share);
    engine = new CaptureEngine(await loadConfig(site.configPath), { inspectWorkers: 0 });
    await engine.start();
    ({ host, client } = await hostWithClient(engine));
  }, 120_000);
  afterAll(async () => {
    client?.session.closed();
    host?.close();
    await engine?.stop();
    s3?.destroy();
    await site?.cleanup();
    await rgw?.stop();
  });

  const keysIn = async (bucket: string, prefix: string) =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map(
      (o) => o.Key ?? '',
    );
  const update = async (edits: { path: string; value?: unknown }[]) => {
    const { revision } = await client.ok<Settings>('settings.get');
    return client.ok<Saved>('settings.update', { edits, revision });
  };
  const uploaded = (name: string) =>
    waitFor(
      () =>
        engine.queue.getByPath(join(site.captures, name))?.state === 'uploaded' ||
        engine.queue.getByPath(join(site.captures, name))?.state === 'retained',
      `${name} uploaded`,
      30_000,
    );

  test('(e) bucket and prefix switched live: the next file lands in the new bucket under the new prefix', async () => {
    await dropFile(join(site.captures, 'one.txt'), 'one\n');
    await uploaded('one.txt');
    assert.ok((await keysIn('live-first', 'edge/')).some((k) => k.endsWith('/one.txt')));

    const saved = await update([
      { path: '/destinations/0/bucket', value: 'live-second' },
      { path: '/destinations/0/prefix', value: 'moved/' },
    ]);
    assert.equal(saved.ok, true, JSON.stringify(saved.issues));
    assert.deepEqual(
      saved.changes.map((c) => c.words),
      [
        'Destination archive: bucket: live-first → live-second',
        'Destination archive: prefix: edge/ → moved/',
      ],
    );
    const text = await readFile(site.configPath, 'utf8');
    assert.ok(text.includes('    prefix: "moved/" # where the plant\'s files go\n'), text);
    assert.ok(text.includes('# The archive bucket on the RGW.'));

    await dropFile(join(site.captures, 'two.txt'), 'two\n');
    await uploaded('two.txt');
    const moved = await keysIn('live-second', 'moved/');
    assert.ok(
      moved.some((k) => k.endsWith('/two.txt')),
      JSON.stringify(moved),
    );
    assert.ok(!(await keysIn('live-first', '')).some((k) => k.endsWith('/two.txt')));
    assert.equal(engine.destinationStatuses()[0]?.destination.includes('live-second'), true);
  });

  test('(f) a destination added live gets the next file', async () => {
    const saved = await update([
      { path: '/destinations/0/default', value: true },
      { path: '/destinations/-', value: { name: 'share', type: 'filesystem', path: share, default: true } },
    ]);
    assert.equal(saved.ok, true, JSON.stringify(saved.issues));
    assert.ok(
      saved.changes.some((c) => c.words.startsWith(`Destination share added: folder ${share}`)),
      JSON.stringify(saved.changes),
    );
    assert.deepEqual(
      engine.destinationStatuses().map((d) => d.name),
      ['archive', 'share'],
    );
    await dropFile(join(site.captures, 'three.txt'), 'three\n');
    await uploaded('three.txt');
    const inShare = await filesUnder(share);
    assert.ok(
      inShare.some((p) => p.endsWith('/three.txt')),
      JSON.stringify(inShare),
    );
    assert.ok((await keysIn('live-second', 'moved/')).some((k) => k.endsWith('/three.txt')));
    const settings = await client.ok<Settings>('settings.get');
    assert.deepEqual(
      settings.destinations.map((d) => d.name),
      ['archive', 'share'],
    );
  });

  test('(h) a change the engine cannot apply (a CA bundle that is no certificate) is rolled back: file and engine as they were', async () => {
    const notPem = join(site.root, 'not-a-ca.pem');
    await writeFile(notPem, 'not a certificate\n');
    const before = await readFile(site.configPath, 'utf8');
    const saved = await update([{ path: '/destinations/0/caBundle', value: notPem }]);
    assert.equal(saved.ok, false);
    assert.equal(saved.saved, false);
    assert.equal(saved.applied, false);
    assert.match(saved.message, /^Not applied: .*caBundle.*holds no PEM certificate.*back as they were\.$/);
    assert.equal(await readFile(site.configPath, 'utf8'), before);
    assert.equal(engine.config.destinations[0]?.config?.type, 's3');
    assert.equal(
      (engine.config.destinations[0]?.config as { caBundle?: string } | undefined)?.caBundle,
      undefined,
    );
    // The engine runs on: the next file still goes to both destinations.
    await dropFile(join(site.captures, 'four.txt'), 'four\n');
    await uploaded('four.txt');
    assert.ok((await keysIn('live-second', 'moved/')).some((k) => k.endsWith('/four.txt')));
    assert.ok((await filesUnder(share)).some((p) => p.endsWith('/four.txt')));
  });
});
