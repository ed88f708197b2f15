/**
 * Tiered destinations, the pieces: config validation of `destinations` and `to:`, the summary of a
 * file's deliveries, the migration of a queue from before deliveries, and the CLI (status, list
 * --destination, explain) over a real engine whose second share is missing (offline) while the first
 * receives everything.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, test } from 'vitest';
import { ConfigError } from '../main/engine/config/errors.ts';
import { loadConfig } from '../main/engine/config/load.ts';
import { resolveConfig } from '../main/engine/config/resolve.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import { SUMMARY_PRECEDENCE, summarise } from '../main/engine/queue/delivery-summary.ts';
import type { DeliveryRecord, DeliveryState } from '../main/engine/queue/delivery-types.ts';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { compileRules } from '../main/engine/rules/compile.ts';
import { dropFile, makeSite, waitFor } from './support/engine-fixtures.ts';

const CLI = join(import.meta.dirname, '..', 'main', 'cli', 'index.ts');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const base = {
  site: 'plant-7',
  folders: [{ path: '/captures/cam' }],
  destinations: [
    { name: 'training', type: 'filesystem', path: '/mnt/scale/edge', default: true },
    {
      name: 'archive',
      type: 's3',
      bucket: 'cold-captures',
      keyTemplate: '{site}/{yyyy}/{name}',
      bandwidth: '2M',
    },
  ],
  rules: [{ name: 'frames', when: { extension: 'jpg' }, action: 'upload', to: ['training', 'archive'] }],
};

function issuesOf(doc: Record<string, unknown>): { path: string; message: string; hint: string }[] {
  try {
    resolveConfig({ ...base, ...doc }, '/etc/edge/site.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues;
  }
  return [];
}

describe('config: destinations and to:', () => {
  test('a valid tiered config: names, defaults, per-destination limit and key template', () => {
    const config = resolveConfig(base, '/etc/edge/site.yaml');
    assert.deepEqual(
      config.destinations.map((d) => [d.name, d.config?.type, d.isDefault, d.bandwidth?.spec]),
      [
        ['training', 'filesystem', true, undefined],
        ['archive', 's3', false, '2M'],
      ],
    );
    assert.deepEqual(config.defaultDestinations, ['training']);
    assert.deepEqual(config.warnings, []);
    const decision = compileRules(config).decide(
      {
        folderId: 'cam',
        relPath: 'a/frame.jpg',
        absPath: '/captures/cam/a/frame.jpg',
        device: 'edge-1',
        inspection: {
          sha256: 'ab'.repeat(32),
          contentType: 'image/jpeg',
          contentTypeSource: 'magic',
          size: 10,
          mtimeMs: Date.UTC(2026, 0, 2),
          tags: {},
          warnings: [],
        },
      },
      { now: new Date(Date.UTC(2026, 0, 2)), rates: { count: () => 0 } },
    );
    assert.deepEqual(decision.deliveries, [
      { destination: 'training', objectKey: decision.objectKey },
      { destination: 'archive', objectKey: 'plant-7/2026/frame.jpg' },
    ]);
  });

  test('the single destination is "default"; to: [default] reaches it', () => {
    const config = resolveConfig(
      {
        site: 'plant-7',
        folders: [{ path: '/captures/cam' }],
        destination: { type: 'filesystem', path: '/mnt/share' },
        rules: [{ name: 'all', action: 'upload', to: 'default' }],
      },
      '/etc/edge/site.yaml',
    );
    assert.deepEqual(
      config.destinations.map((d) => d.name),
      ['default'],
    );
    assert.equal(config.destination?.type, 'filesystem');
  });

  test('an unknown name in to: is refused with "did you mean"', () => {
    const issues = issuesOf({
      rules: [{ name: 'frames', action: 'upload', to: ['training', 'archiv'] }],
    });
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0]?.path, '/rules/0/to/1');
    assert.match(issues[0]?.message ?? '', /"archiv" is not a destination/);
    assert.match(issues[0]?.hint ?? '', /Did you mean "archive"\?.*"training", "archive"/);
  });

  test('duplicate destination names and both destination forms are refused', () => {
    const dup = issuesOf({
      destinations: [
        { name: 'archive', type: 'filesystem', path: '/a' },
        { name: 'archive', type: 'filesystem', path: '/b' },
      ],
      rules: [{ name: 'all', action: 'upload' }],
    });
    assert.deepEqual(
      dup.map((i) => [i.path, i.message]),
      [['/destinations/1/name', 'destination name "archive" is already used by destinations/0.']],
    );
    const both = issuesOf({ destination: { type: 'filesystem', path: '/a' } });
    assert.equal(both[0]?.path, '/destinations');
    assert.match(both[0]?.hint ?? '', /Keep one/);
    const unnamed = issuesOf({ destinations: [{ type: 'filesystem', path: '/a' }] });
    assert.match(JSON.stringify(unnamed), /name/);
  });

  test('a destination no rule can reach is a warning, not an error', () => {
    const config = resolveConfig(
      {
        ...base,
        rules: [
          { name: 'frames', action: 'upload' },
          { name: 'logs', action: 'skip', to: 'archive' },
        ],
      },
      '/etc/edge/site.yaml',
    );
    assert.deepEqual(
      config.warnings.map((w) => w.path),
      ['/destinations/1'],
    );
    assert.match(config.warnings[0]?.message ?? '', /No rule sends files to destination "archive"/);
  });
});

describe('the file state summarises its deliveries', () => {
  const d = (destination: string, state: DeliveryState, ordinal = 0): DeliveryRecord => ({
    fileId: 1,
    destination,
    state,
    ordinal,
    priority: 0,
    attempts: 0,
    objectKey: `${destination}/k`,
    stateChangedAt: 0,
  });

  test('work in progress first, then retries, then what needs a person; uploaded only when all are', () => {
    assert.deepEqual(
      SUMMARY_PRECEDENCE.map(([delivery]) => delivery),
      ['uploading', 'queued', 'failed', 'quarantined', 'conflict', 'uploaded'],
    );
    const cases: [DeliveryState[], string][] = [
      [['uploaded', 'queued'], 'queued'],
      [['uploaded', 'uploading'], 'uploading'],
      [['queued', 'uploading'], 'uploading'],
      [['failed', 'uploaded'], 'failed'],
      [['failed', 'queued'], 'queued'],
      [['conflict', 'uploaded'], 'conflict'],
      [['conflict', 'quarantined'], 'quarantined'],
      [['uploaded', 'uploaded'], 'uploaded'],
    ];
    for (const [states, want] of cases) {
      const summary = summarise(states.map((state, i) => d(i === 0 ? 'training' : 'archive', state, i)));
      assert.equal(summary?.state, want, states.join(' + '));
    }
    assert.equal(
      summarise([d('training', 'uploaded', 0), d('archive', 'uploaded', 1)])?.decidedBy.destination,
      'training',
    );
  });
});

describe('a queue from before deliveries', () => {
  test('is migrated once: each file on its way gets one `default` delivery with its progress', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edge-tiers-migrate-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'queue.db');
    const queue = new CaptureQueue(path);
    const id = queue.discover({
      folderId: 'cam',
      relPath: 'a.bin',
      absPath: '/c/a.bin',
      size: 1,
      mtimeMs: 1,
    }).id;
    const done = queue.discover({
      folderId: 'cam',
      relPath: 'b.bin',
      absPath: '/c/b.bin',
      size: 1,
      mtimeMs: 1,
    }).id;
    queue.close();
    // As an older engine left it: no deliveries table, one file mid-upload with multipart progress.
    const db = new DatabaseSync(path);
    db.exec('DROP TABLE deliveries; DROP TABLE delivery_counts');
    const progress = JSON.stringify({ uploadId: 'u-1', key: 'k', partSize: 5, parts: [{ partNumber: 1 }] });
    db.prepare(
      "UPDATE files SET state = 'uploading', object_key = 'k', attempts = 2, upload = ? WHERE id = ?",
    ).run(progress, id);
    db.prepare("UPDATE files SET state = 'uploaded' WHERE id = ?").run(done);
    db.close();

    const migrated = new CaptureQueue(path);
    try {
      assert.deepEqual(
        migrated.deliveries
          .forFile(id)
          .map((d) => [
            d.destination,
            d.state,
            d.attempts,
            d.objectKey,
            (d.upload as { uploadId: string }).uploadId,
          ]),
        [['default', 'uploading', 2, 'k', 'u-1']],
      );
      assert.deepEqual(migrated.deliveries.forFile(done), [], 'a file already uploaded needs no delivery');
      assert.equal(migrated.recoverInterrupted(), 1);
      assert.equal(migrated.get(id)?.state, 'queued', 'the file follows its delivery back to the queue');
      assert.equal(
        (migrated.get(id)?.upload as { uploadId?: string } | undefined)?.uploadId,
        'u-1',
        'progress kept for resume',
      );
    } finally {
      migrated.close();
    }
    // Opening it again changes nothing (the migration is idempotent).
    const again = new CaptureQueue(path);
    assert.equal(again.deliveries.forFile(id).length, 1);
    again.close();
  });
});

describe('CLI with two destinations, one of them offline', () => {
  test('status, list --destination and explain show each destination', async () => {
    const site = await makeSite(
      ({ captures, dataDir }) => `
site: tiers-cli
dataDir: ${dataDir}
folders: [{ id: cam, path: ${captures} }]
reconcileInterval: 0
destinations:
  - { name: training, type: filesystem, path: ${join(dataDir, '..', 'share')}, default: true }
  - { name: archive, type: filesystem, path: ${join(dataDir, '..', 'cold')} }
rules:
  - { name: frames, when: { extension: jpg }, action: upload, to: [training, archive] }
upload: { offlineProbeInterval: 1s }
`,
    );
    cleanups.push(() => site.cleanup());
    await mkdir(join(site.root, 'share'));
    // No `cold` folder: the archive share is "not mounted", so it is offline.
    const engine = new CaptureEngine(await loadConfig(site.configPath));
    await engine.start();
    cleanups.push(() => engine.stop());
    for (const name of ['a.jpg', 'b.jpg', 'c.jpg'])
      await dropFile(join(site.captures, name), `frame ${name}`);
    await waitFor(() => {
      const [training, archive] = engine.destinationStatuses();
      return training?.counts.uploaded === 3 && archive?.online === false;
    }, 'the share to have every frame and the archive to be offline');
    // The heartbeat carries each destination for `status` in another process.
    await waitFor(
      () => /"name":"archive"[^}]*"online":false/.test(engine.queue.getMeta('heartbeat') ?? ''),
      'a heartbeat that says the archive is offline',
    );

    const status = cli('status', '--data-dir', site.dataDir);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /Uploads to 2 destinations:/);
    assert.match(status.stdout, /training \(default\) +online to .*uploaded 3/);
    assert.match(status.stdout, /archive +OFFLINE for .* queued 3/);
    const json = JSON.parse(cli('status', '--data-dir', site.dataDir, '--json').stdout);
    assert.deepEqual(json.deliveries, { training: { uploaded: 3 }, archive: { queued: 3 } });

    const list = cli(
      'list',
      '--data-dir',
      site.dataDir,
      '--destination',
      'archive',
      '--state',
      'queued',
      '--json',
    );
    assert.equal(list.status, 0, list.stderr);
    const rows = JSON.parse(list.stdout).items as {
      file: { relPath: string; state: string };
      delivery: { state: string };
    }[];
    assert.deepEqual(rows.map((r) => [r.file.relPath, r.file.state, r.delivery.state]).sort(), [
      ['a.jpg', 'queued', 'queued'],
      ['b.jpg', 'queued', 'queued'],
      ['c.jpg', 'queued', 'queued'],
    ]);
    const none = JSON.parse(
      cli('list', '--data-dir', site.dataDir, '--destination', 'training', '--state', 'queued', '--json')
        .stdout,
    );
    assert.deepEqual(none.items, []);

    const explain = cli('explain', '--data-dir', site.dataDir, join(site.captures, 'a.jpg'));
    assert.equal(explain.status, 0, explain.stderr);
    assert.match(explain.stdout, /a\.jpg: queued/);
    assert.match(
      explain.stdout,
      /Destinations:\n {2}training: uploaded key \S+a\.jpg\n {2}archive: queued .*last error: destination folder .*cold does not exist/,
    );
    assert.deepEqual(await readdir(join(site.root, 'share', 'tiers-cli')), [engine.config.device]);
  });
});
