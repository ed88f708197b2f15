/**
 * Catalog and review indexing off the capture path (issue 10): a commit only marks the file
 * (catalog_dirty, same transaction); the indexer derives catalog and review rows in batches; a
 * search or a review request indexes pending marks first; marks survive kill -9; a data folder whose
 * triggers did the indexing in the writer's transaction migrates. Real SQLite, real engine child
 * processes, real folders.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, test } from 'vitest';
import { Catalog } from '../main/engine/catalog/catalog.ts';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { ReviewQueue } from '../main/engine/review/review-queue.ts';
import { ReviewService } from '../main/engine/review/service.ts';
import type { Decision } from '../shared/decision.ts';
import type { Inspection } from '../shared/inspection.ts';
import { dropFile, makeSite, type Site, waitFor } from './support/engine-fixtures.ts';
import { INDEX_TRIGGERS_BEFORE_SQL } from './support/index-triggers-before.ts';

const dir = await mkdtemp(join(tmpdir(), 'edge-deferred-index-'));
const sites: Site[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const site of sites) await site.cleanup();
  await rm(dir, { recursive: true, force: true });
});

/** Long enough that the indexer's timer never runs during a test that wants to see marks. */
const NEVER = 3_600_000;

interface Capture {
  name: string;
  labels?: [string, number][];
  tags?: string[];
  held?: boolean;
}

function decision(held: boolean, name: string): Decision {
  return {
    action: held ? 'hold' : 'upload',
    rule: held ? 'look-first' : 'frames',
    ruleIndex: 0,
    reason: held ? 'a person looks first' : 'frames go up',
    priority: 0,
    ...(held ? {} : { objectKey: `site/${name}` }),
    metadata: {},
    trace: [],
    decidedAt: 1,
  };
}

function inspection(capture: Capture, i: number): Inspection {
  return {
    size: 1000 + i,
    mtimeMs: 1_700_000_000_000 + i,
    sha256: i.toString(16).padStart(64, '0'),
    contentType: 'image/jpeg',
    contentTypeSource: 'magic',
    tags: Object.fromEntries((capture.tags ?? []).map((tag) => [tag, 1])),
    warnings: [],
    ...(capture.labels
      ? {
          predictions: {
            modelVersion: 'm1',
            items: capture.labels.map(([label, score]) => ({ label, score })),
          },
        }
      : {}),
  };
}

/** Discovered, inspected and decided, each its own commit, as the pipeline does. Returns the ids. */
function capture(queue: CaptureQueue, captures: Capture[], first = 1): number[] {
  return captures.map((c, k) => {
    const i = first + k;
    const { id } = queue.discover({
      folderId: 'cam',
      relPath: c.name,
      absPath: `/captures/cam/${c.name}`,
      size: 1000 + i,
      mtimeMs: 1_700_000_000_000 + i,
    });
    queue.saveInspection(id, inspection(c, i));
    queue.saveDecision(id, decision(c.held === true, c.name), c.held ? 'held' : 'queued');
    return id;
  });
}

/** What is in the tables right now, read on a connection of its own (nothing indexes first). */
function tables(path: string) {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const n = (sql: string) => Number(db.prepare(sql).get()?.n ?? 0);
    return {
      catalog: n('SELECT count(*) AS n FROM catalog'),
      reviewItems: n('SELECT count(*) AS n FROM review_items WHERE lane < 2'),
      // -1: no marks table (a data folder from before the indexer).
      marks: db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'catalog_dirty'").get()
        ? n('SELECT count(*) AS n FROM catalog_dirty')
        : -1,
      labels: db
        .prepare('SELECT file_id, top_label, state FROM catalog ORDER BY file_id')
        .all()
        .map((row) => `${row.file_id}:${row.top_label}:${row.state}`),
    };
  } finally {
    db.close();
  }
}

const THREE: Capture[] = [
  { name: 'gate/a.jpg', labels: [['person', 0.91]] },
  { name: 'gate/b.jpg', labels: [['car', 0.4]], tags: ['pii:email'] },
  { name: 'gate/c.jpg', labels: [['person', 0.55]], held: true },
];

describe('deferred indexing in one process', () => {
  test('a commit only marks the file; the indexer pass brings catalog and review queue up to date', async () => {
    const path = join(dir, 'timer.db');
    const queue = new CaptureQueue(path, { indexIntervalMs: 30 });
    try {
      const ids = capture(queue, THREE);
      // Right after the commits: marked, not indexed (the capture path did not derive anything).
      assert.deepEqual(tables(path), { catalog: 0, reviewItems: 0, marks: 3, labels: [] });
      // The indexer's own pass (no reader asked): everything arrives, the marks are gone.
      const after = await waitFor(() => {
        const now = tables(path);
        return now.marks === 0 && now.catalog === 3 ? now : undefined;
      }, 'the indexer pass');
      assert.deepEqual(after.labels, [
        `${ids[0]}:person:queued`,
        `${ids[1]}:car:queued`,
        `${ids[2]}:person:held`,
      ]);
      assert.equal(after.reviewItems, 3);
    } finally {
      queue.close();
    }
  });

  test('a search and the review queue index pending captures first; state changes, re-inspections and deletions follow', () => {
    const path = join(dir, 'request.db');
    const queue = new CaptureQueue(path, { indexIntervalMs: NEVER });
    try {
      const catalog = new Catalog(queue);
      const review = new ReviewService(queue);
      const [a, b, c] = capture(queue, THREE) as [number, number, number];
      assert.equal(tables(path).catalog, 0, 'nothing indexed before the request');
      const people = catalog.search({ filter: { label: 'person' } }).items.map((item) => item.id);
      assert.deepEqual(people.sort(), [a, c].sort());
      assert.deepEqual(
        review.list().items.map((item) => item.fileId),
        [c, b, a],
        'held first, then the lowest top score',
      );
      assert.equal(catalog.facets({}).labels.find((f) => f.value === 'person')?.count, 2);

      // A state change: the held capture is released.
      queue.transition(c, 'queued', { objectKey: 'site/gate/c.jpg' }, 'released by a reviewer');
      assert.deepEqual(
        catalog.search({ filter: { states: ['held'] } }).items.map((item) => item.id),
        [],
      );
      assert.deepEqual(
        review.list({ heldOnly: true }).items.map((item) => item.fileId),
        [],
      );
      assert.equal(review.list().items.find((item) => item.fileId === c)?.held, false);

      // A re-inspection with other predictions: the old class is gone from search, facets and review.
      queue.revisit(a, 'a late sidecar');
      queue.saveInspection(a, inspection({ name: 'gate/a.jpg', labels: [['heron', 0.7]] }, 1));
      assert.deepEqual(
        catalog.search({ filter: { label: 'heron' } }).items.map((item) => item.id),
        [a],
      );
      assert.equal(catalog.facets({}).labels.find((f) => f.value === 'person')?.count, 1);
      assert.equal(review.list({ label: 'person' }).items.length, 1);
      assert.equal(review.item(a)?.topLabel, 'heron');

      // A deletion (of the files row itself): gone from the catalog, its counts and the review queue.
      queue.database.prepare('DELETE FROM files WHERE id = ?').run(b);
      assert.deepEqual(
        catalog.search({ filter: { tags: ['pii:'] } }).items.map((item) => item.id),
        [],
      );
      assert.equal(
        catalog.facets({}).labels.find((f) => f.value === 'car'),
        undefined,
      );
      assert.equal(catalog.facets({}).total, 2);
      assert.ok(!review.list().items.some((item) => item.fileId === b));
      assert.equal(tables(path).marks, 0);
    } finally {
      queue.close();
    }
  });

  test('catchUpIndexes indexes at most what it is asked, oldest marks first, one batch per transaction', () => {
    const path = join(dir, 'bounded.db');
    const queue = new CaptureQueue(path, { indexIntervalMs: NEVER });
    try {
      const many = Array.from(
        { length: 30 },
        (_, i): Capture => ({ name: `m/${i}.jpg`, labels: [['dog', 0.5]] }),
      );
      const ids = capture(queue, many);
      assert.equal(queue.catchUpIndexes(10), 10);
      assert.deepEqual(
        tables(path).labels.map((row) => Number(row.split(':')[0])),
        ids.slice(0, 10),
      );
      assert.equal(queue.pendingIndexing(), 20);
      assert.equal(queue.catchUpIndexes(), 20);
      assert.equal(queue.pendingIndexing(), 0);
    } finally {
      queue.close();
    }
  });
});

describe('migration', () => {
  test('a data folder whose triggers indexed in the writer transaction gets the marks instead', () => {
    const path = join(dir, 'old.db');
    const first = new CaptureQueue(path, { indexIntervalMs: NEVER });
    const [a] = capture(first, THREE) as [number, number, number];
    first.catchUpIndexes();
    first.close();
    // As an engine from before the indexer left it: its indexing triggers, no marks table.
    const db = new DatabaseSync(path);
    for (const row of db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'files_index_%'")
      .all())
      db.exec(`DROP TRIGGER ${String(row.name)}`);
    db.exec('DROP TABLE catalog_dirty');
    db.exec(INDEX_TRIGGERS_BEFORE_SQL);
    // The old engine went on capturing: its triggers indexed the file in the same commit.
    db.prepare("UPDATE files SET state = 'held' WHERE id = ?").run(a);
    db.close();
    assert.equal(tables(path).marks, -1);
    assert.ok(tables(path).labels.includes(`${a}:person:held`));

    const reopened = new CaptureQueue(path, { indexIntervalMs: NEVER });
    try {
      const triggers = reopened
        .select("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        .map((row) => String(row.name));
      assert.deepEqual(
        triggers.filter((name) => /_follows_/.test(name)),
        [],
        'the old indexing triggers are gone',
      );
      assert.ok(triggers.includes('files_index_on_facts') && triggers.includes('files_index_on_state'));
      // What the old triggers derived is kept: nothing to rebuild.
      assert.equal(reopened.pendingIndexing(), 0);
      const catalog = new Catalog(reopened);
      assert.equal(catalog.search({ filter: { label: 'person' } }).items.length, 2);
      // A new change is only marked at commit, and indexed by the indexer.
      reopened.transition(a, 'queued', { objectKey: 'site/gate/a.jpg' });
      assert.ok(tables(path).labels.includes(`${a}:person:held`), 'not indexed in the commit');
      assert.equal(tables(path).marks, 1);
      assert.equal(catalog.search({ filter: { states: ['held'] } }).items.length, 1);
      assert.ok(tables(path).labels.includes(`${a}:person:queued`));
    } finally {
      reopened.close();
    }
  });
});

const ENGINE_CHILD = `
import { loadConfig } from ${JSON.stringify(join(import.meta.dirname, '..', 'main', 'engine', 'config', 'load.ts'))};
import { CaptureEngine } from ${JSON.stringify(join(import.meta.dirname, '..', 'main', 'engine', 'engine.ts'))};
import { CaptureQueue } from ${JSON.stringify(join(import.meta.dirname, '..', 'main', 'engine', 'queue', 'queue.ts'))};
const [configPath, mode, expected] = process.argv.slice(2);
const config = await loadConfig(configPath);
// 'marks-only': the indexer's timer never runs, so a kill lands between the commits and the indexing.
const queue = new CaptureQueue(config.dataDir + '/queue.db', {
  durability: config.durability,
  ...(mode === 'marks-only' ? { indexIntervalMs: ${NEVER} } : {}),
});
const engine = new CaptureEngine(config, { queue, transfer: false, inspectWorkers: 0 });
await engine.start();
const timer = setInterval(() => {
  const counts = queue.counts();
  if (counts.queued + counts.held >= Number(expected)) {
    clearInterval(timer);
    process.stdout.write('decided\\n');
  }
}, 20);
`;

function startEngineChild(site: Site, mode: 'marks-only' | 'normal', expected: number) {
  const child = spawn(
    process.execPath,
    [join(site.root, 'engine-child.mjs'), site.configPath, mode, String(expected)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  return {
    child,
    decided: () => waitFor(() => out.includes('decided'), `engine child (${mode}) deciding`, 30_000),
  };
}

describe('kill -9 between the commits and the indexing', () => {
  test('the marks survive and the restarted engine indexes them', async () => {
    const site = await makeSite(
      ({ captures, dataDir }) => `
site: deferred-index
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    completion: rename
reconcileInterval: 0
rules:
  - name: look-first
    when: { extension: hold }
    action: hold
  - name: frames
    when: { extension: jpg }
    action: upload
`,
    );
    sites.push(site);
    await writeFile(join(site.root, 'engine-child.mjs'), ENGINE_CHILD);
    const scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9]);
    for (let i = 0; i < 6; i++) {
      await dropFile(
        join(site.captures, `frame_${i}.pred.json`),
        JSON.stringify({
          model_version: 'm2',
          predictions: [{ label: 'person', score: scores[i] }],
        }),
      );
      // Each its own content: the same bytes twice would be a duplicate.
      await dropFile(join(site.captures, `frame_${i}.jpg`), Buffer.concat([jpeg, Buffer.from([i])]));
    }
    for (let i = 0; i < 3; i++) await dropFile(join(site.captures, `odd_${i}.hold`), `reading ${i}\n`);
    const dbPath = join(site.dataDir, 'queue.db');

    const first = startEngineChild(site, 'marks-only', 9);
    await first.decided();
    const committed = tables(dbPath);
    assert.equal(committed.catalog, 0, 'committed, not indexed');
    assert.ok(committed.marks >= 9, `marks for every capture (${committed.marks})`);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    const second = startEngineChild(site, 'normal', 9);
    await second.decided();
    // No reader asks: the restarted engine's indexer finds the marks on its own.
    await waitFor(() => {
      const now = tables(dbPath);
      return now.marks === 0 && now.catalog >= 9;
    }, 'the restarted engine to index what the killed one committed');

    const reader = new CaptureQueue(dbPath, { readOnly: true });
    try {
      const found = new Catalog(reader).search({ filter: { label: 'person' } }).items;
      assert.deepEqual(
        found.map((item) => item.relPath).sort(),
        [0, 1, 2, 3, 4, 5].map((i) => `frame_${i}.jpg`),
      );
      const db = new DatabaseSync(dbPath, { readOnly: true });
      try {
        const listed = new ReviewQueue(db).list().items;
        assert.deepEqual(
          listed.slice(0, 3).map((item) => [item.held, item.relPath.startsWith('odd_')]),
          [
            [true, true],
            [true, true],
            [true, true],
          ],
        );
        assert.deepEqual(
          listed.slice(3).map((item) => item.topScore),
          scores,
        );
      } finally {
        db.close();
      }
    } finally {
      reader.close();
      second.child.kill('SIGKILL');
    }
  });
});
