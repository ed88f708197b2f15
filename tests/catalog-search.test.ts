import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { Catalog } from '../main/engine/catalog/catalog.ts';
import { migrateCatalog } from '../main/engine/catalog/migrate.ts';
import { type CatalogFilter, STORED_STATES } from '../main/engine/catalog/types.ts';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { FOLDER_DEVICES, type GeneratedFile, generateQueue, T0 } from './support/catalog-data.ts';

const dir = await mkdtemp(join(tmpdir(), 'edge-catalog-'));
const path = join(dir, 'queue.db');
let queue: CaptureQueue;
let catalog: Catalog;
let files: GeneratedFile[];
const HOUR = 3_600_000;

beforeAll(() => {
  queue = new CaptureQueue(path);
  files = generateQueue(queue, 3000);
  catalog = new Catalog(queue, { folderDevices: () => FOLDER_DEVICES });
});
afterAll(async () => {
  queue.close();
  await rm(dir, { recursive: true, force: true });
});

/** The filter's meaning, written plainly over the generated facts. */
function matches(file: GeneratedFile, filter: CatalogFilter): boolean {
  if (filter.text) {
    const words =
      `${file.relPath} ${file.contentType} ${[...file.labels.keys()].join(' ')} ${file.tags.join(' ')}`
        .toLowerCase()
        .match(/[\p{L}\p{N}]+/gu)!;
    const wanted = filter.text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    if (!wanted.every((w) => words.some((word) => word.startsWith(w)))) return false;
  }
  for (const tag of filter.tags ?? []) {
    if (!file.tags.some((t) => (tag.endsWith(':') ? t.startsWith(tag) : t === tag))) return false;
  }
  if (filter.contentTypes && !filter.contentTypes.includes(file.contentType)) return false;
  const score = filter.label !== undefined ? file.labels.get(filter.label) : file.topScore;
  if (filter.label !== undefined && score === undefined) return false;
  if (filter.minScore !== undefined && (score === undefined || score < filter.minScore)) return false;
  if (filter.maxScore !== undefined && (score === undefined || score > filter.maxScore)) return false;
  if (filter.folders && !filter.folders.includes(file.folderId)) return false;
  if (filter.devices && !filter.devices.includes(FOLDER_DEVICES.get(file.folderId)!)) return false;
  if (filter.states && !filter.states.includes(file.state)) return false;
  if (filter.stored !== undefined && STORED_STATES.includes(file.state) !== filter.stored) return false;
  if (filter.from !== undefined && file.capturedAt < filter.from) return false;
  if (filter.to !== undefined && file.capturedAt >= filter.to) return false;
  if (filter.minSize !== undefined && file.size < filter.minSize) return false;
  if (filter.maxSize !== undefined && file.size > filter.maxSize) return false;
  return true;
}

function expected(filter: CatalogFilter, order: 'newest' | 'oldest' = 'newest'): number[] {
  const sign = order === 'newest' ? -1 : 1;
  return files
    .filter((file) => matches(file, filter))
    .sort((a, b) => sign * (a.capturedAt - b.capturedAt || a.id - b.id))
    .map((file) => file.id);
}

/** Every page of a search, following the cursor to the end. */
function allPages(filter: CatalogFilter, order: 'newest' | 'oldest' = 'newest', limit = 97): number[] {
  const ids: number[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = catalog.search({ filter, order, cursor, limit });
    assert.ok(result.items.length <= limit);
    ids.push(...result.items.map((item) => item.id));
    if (!result.nextCursor) return ids;
    cursor = result.nextCursor;
  }
  throw new Error('paging did not end');
}

const ALONE: [string, CatalogFilter][] = [
  ['class', { label: 'dog' }],
  ['class and score range', { label: 'person', minScore: 0.4, maxScore: 0.7 }],
  ['top score range, no class', { minScore: 0.9 }],
  ['tag', { tags: ['pii:email'] }],
  ['tag family (any PII)', { tags: ['pii:'] }],
  ['custom tag', { tags: ['custom:night'] }],
  ['two tags (both)', { tags: ['pii:', 'file:corrupt'] }],
  ['content type', { contentTypes: ['image/png'] }],
  ['content types', { contentTypes: ['text/csv', 'application/json'] }],
  ['folder', { folders: ['lidar'] }],
  ['device', { devices: ['gate-1'] }],
  ['state', { states: ['held'] }],
  ['in the store', { stored: true }],
  ['not in the store', { stored: false }],
  ['time range', { from: T0 + 500 * 60_000, to: T0 + 900 * 60_000 }],
  ['size range', { minSize: 100_000, maxSize: 2_000_000 }],
  ['text (path word)', { text: 'dock' }],
  ['text (prefix of a file name)', { text: 'frame_00012' }],
  ['text (a label)', { text: 'forklift' }],
];

const COMBINED: [string, CatalogFilter][] = [
  ['class + score + folder', { label: 'car', minScore: 0.5, folders: ['cam-a'] }],
  ['tag + time', { tags: ['pii:'], from: T0 + 10 * HOUR, to: T0 + 40 * HOUR }],
  ['folder + time', { folders: ['cam-b'], from: T0 + 5 * HOUR, to: T0 + 30 * HOUR }],
  ['device + content type + stored', { devices: ['mast-2'], contentTypes: ['image/jpeg'], stored: true }],
  ['text + class', { text: 'yard', label: 'truck' }],
  ['class + tag + text + size', { label: 'person', tags: ['file:'], text: 'day', minSize: 1000 }],
  ['states + stored (contradiction: nothing)', { states: ['held'], stored: true }],
  ['device without such a folder', { devices: ['nowhere'] }],
  [
    'everything',
    {
      label: 'person',
      minScore: 0.2,
      tags: ['pii:'],
      contentTypes: ['image/jpeg', 'image/png'],
      devices: ['gate-1'],
      stored: false,
      from: T0,
      to: T0 + 48 * HOUR,
      maxSize: 5_000_000,
      text: 'frame',
    },
  ],
];

describe('catalog search over a generated queue of 3,000 varied files (real SQLite)', () => {
  test('the generated data covers each filter with some but not all files', () => {
    for (const [name, filter] of ALONE) {
      const n = expected(filter).length;
      assert.ok(n > 0 && n < files.length, `${name}: ${n} matches`);
    }
  });

  for (const [name, filter] of [...ALONE, ...COMBINED]) {
    test(`${name}: exactly the matching files, newest first, pages without gaps or repeats`, () => {
      const ids = allPages(filter);
      assert.equal(new Set(ids).size, ids.length, 'no file twice');
      assert.deepEqual(ids, expected(filter));
    });
  }

  test('oldest first, and an empty filter pages through every file once', () => {
    assert.deepEqual(allPages({ label: 'bicycle' }, 'oldest', 13), expected({ label: 'bicycle' }, 'oldest'));
    const every = allPages({}, 'newest', 1000);
    assert.equal(every.length, files.length);
    assert.deepEqual(every, expected({}));
  });

  test('result rows carry what the list shows', () => {
    const item = catalog.search({ filter: { label: 'truck', tags: ['pii:'] }, limit: 1 }).items[0]!;
    const file = files.find((f) => f.id === item.id)!;
    assert.equal(item.relPath, file.relPath);
    assert.equal(item.folderId, file.folderId);
    assert.equal(item.device, FOLDER_DEVICES.get(file.folderId));
    assert.equal(item.contentType, file.contentType);
    assert.equal(item.capturedAt, file.capturedAt);
    assert.equal(item.topScore, file.topScore);
    assert.deepEqual(new Set(item.labels), new Set(file.labels.keys()));
    assert.deepEqual(new Set(item.tags), new Set(file.tags));
    assert.equal(item.stored, STORED_STATES.includes(file.state));
    assert.match(item.sha256!, /^[0-9a-f]{64}$/);
  });

  test('a bad cursor is a typed error with a sentence', () => {
    assert.throws(() => catalog.search({ filter: {}, cursor: 'nope' }), {
      name: 'CatalogError',
      code: 'bad-cursor',
    });
  });

  test('facets: exact counts over the whole catalog, and over a filtered search', () => {
    const whole = catalog.facets({});
    assert.equal(whole.total, files.length);
    assert.equal(whole.exact, true);
    const count = (filter: CatalogFilter) => expected(filter).length;
    for (const facet of whole.labels) assert.equal(facet.count, count({ label: facet.value }), facet.value);
    for (const facet of whole.tags) assert.equal(facet.count, count({ tags: [facet.value] }), facet.value);
    for (const facet of whole.contentTypes) assert.equal(facet.count, count({ contentTypes: [facet.value] }));
    for (const facet of whole.devices) assert.equal(facet.count, count({ devices: [facet.value] }));
    const filter: CatalogFilter = { folders: ['cam-a'], from: T0, to: T0 + 30 * HOUR };
    const some = catalog.facets(filter);
    assert.equal(some.total, count(filter));
    for (const facet of some.labels)
      assert.equal(facet.count, count({ ...filter, label: facet.value }), facet.value);
    for (const facet of some.tags)
      assert.equal(facet.count, count({ ...filter, tags: [facet.value] }), facet.value);
  });

  test('the catalog follows the queue: a re-inspection, a state change and a rewrite on disk', () => {
    const file = files.find((f) => f.state === 'skipped' && f.labels.has('dog'))!;
    const record = queue.get(file.id)!;
    queue.transition(file.id, 'queued', { objectKey: 'k' });
    assert.ok(
      catalog
        .search({ filter: { label: 'dog', states: ['queued'] }, limit: 1000 })
        .items.some((i) => i.id === file.id),
    );
    queue.revisit(file.id, 'a late sidecar');
    assert.ok(!catalog.search({ filter: { label: 'dog' }, limit: 1000 }).items.some((i) => i.id === file.id));
    queue.saveInspection(file.id, {
      size: record.size,
      mtimeMs: record.mtimeMs,
      sha256: 'f'.repeat(64),
      contentType: 'image/jpeg',
      contentTypeSource: 'magic',
      tags: { 'custom:rare': 1 },
      warnings: [],
      predictions: { modelVersion: 'det-v9', items: [{ label: 'heron', score: 0.99 }] },
    });
    const found = catalog.search({ filter: { label: 'heron', tags: ['custom:rare'], text: 'heron' } }).items;
    assert.deepEqual(
      found.map((i) => i.id),
      [file.id],
    );
    assert.equal(catalog.facets({}).labels.find((l) => l.value === 'heron')?.count, 1);
    // Put it back as generated, for the tests that compare with the generated facts.
    queue.revisit(file.id, 'back');
    queue.saveInspection(file.id, { ...record.inspection! });
    queue.saveDecision(file.id, record.decision!, 'skipped');
    assert.deepEqual(allPages({ label: 'dog' }), expected({ label: 'dog' }));
  });
});

describe('query plans use the indexes (EXPLAIN QUERY PLAN on the same database)', () => {
  const plan = (filter: CatalogFilter) => {
    const select = catalog.selectFor(filter, {
      columns: 'c.file_id',
      order: 'newest',
      limit: 51,
      withFile: true,
      cursor: { capturedAt: T0 + 10 ** 9, id: 1 },
    });
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      return db
        .prepare(`EXPLAIN QUERY PLAN ${select.sql}`)
        .all(...select.params)
        .map((row) => String(row.detail));
    } finally {
      db.close();
    }
  };
  const MAIN: [string, CatalogFilter, RegExp][] = [
    ['class + score', { label: 'person', minScore: 0.5 }, /SEARCH d USING PRIMARY KEY \(label=\?/],
    ['tag', { tags: ['pii:'] }, /SEARCH d USING PRIMARY KEY \(tag=\?/],
    [
      'folder + time',
      { folders: ['lidar'], from: T0, to: T0 + HOUR },
      /SEARCH c USING COVERING INDEX catalog_by_folder \(folder_id=\? AND captured_at>\? AND captured_at<\?\)/,
    ],
    [
      'content type',
      { contentTypes: ['image/png'] },
      /SEARCH c USING COVERING INDEX catalog_by_type \(content_type=\?/,
    ],
    ['state', { states: ['held'] }, /SEARCH c USING COVERING INDEX catalog_by_state \(state=\?/],
    [
      'device (half the files: a scan by time reads fewer rows than sorting them)',
      { devices: ['gate-1'] },
      /SEARCH c USING (COVERING )?INDEX catalog_by_time \(captured_at<\?\)/,
    ],
    [
      'device and one of its folders',
      { devices: ['gate-1'], folders: ['cam-a'] },
      /SEARCH c USING COVERING INDEX catalog_by_folder \(folder_id=\?/,
    ],
    [
      'time',
      { from: T0, to: T0 + HOUR },
      /SEARCH c USING COVERING INDEX catalog_by_time \(captured_at>\? AND captured_at<\?\)/,
    ],
    ['rare text (a file name): its matches', { text: 'frame_00012' }, /SCAN x VIRTUAL TABLE INDEX \d+:M/],
    [
      'common text (a seventh of the files): by time, text checked',
      { text: 'dock' },
      /SEARCH c USING (COVERING )?INDEX catalog_by_time/,
    ],
    [
      'combined',
      { label: 'car', tags: ['pii:'], folders: ['cam-a'], text: 'yard', from: T0 },
      /SEARCH d USING PRIMARY KEY/,
    ],
  ];
  for (const [name, filter, uses] of MAIN) {
    test(`${name}: ${uses.source.slice(0, 60)}…, no full scan of a table`, () => {
      const details = plan(filter);
      assert.ok(
        details.some((d) => uses.test(d)),
        details.join('\n'),
      );
      const scans = details.filter((d) =>
        /^SCAN (c|d|f|catalog|catalog_labels|catalog_tags|files)\b/.test(d),
      );
      assert.deepEqual(scans, [], details.join('\n'));
    });
  }
});

describe('migration', () => {
  test('a queue written before the catalog gets it filled, in batches, resumably; reopening is a no-op', async () => {
    const older = join(dir, 'older.db');
    const before = new CaptureQueue(older);
    generateQueue(before, 1200, 11);
    const reference = new Catalog(before, { folderDevices: () => FOLDER_DEVICES });
    const want = reference.search({ filter: { label: 'person', tags: ['pii:'] }, limit: 1000 }).items;
    const wantFacets = reference.facets({});
    before.close();
    // Make it look like a queue from before: no catalog tables, no triggers, no catalog meta.
    const db = new DatabaseSync(older);
    for (const row of db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'catalog%'")
      .all()) {
      db.exec(`DROP TRIGGER "${String(row.name)}"`);
    }
    for (const table of ['catalog_text', 'catalog_labels', 'catalog_tags', 'catalog_counts', 'catalog'])
      db.exec(`DROP TABLE ${table}`);
    db.exec("DELETE FROM meta WHERE key LIKE 'catalog_%'");
    // A crash after the first batches: progress says where to go on.
    migrateCatalog(db, { batch: 100 });
    db.exec("UPDATE meta SET value = '600/1200' WHERE key = 'catalog_backfilled_upto'");
    db.exec('DELETE FROM catalog_text WHERE rowid > 600');
    for (const table of ['catalog_labels', 'catalog_tags', 'catalog'])
      db.exec(`DELETE FROM ${table} WHERE file_id > 600`);
    db.close();
    const after = new CaptureQueue(older);
    const rebuilt = new Catalog(after, { folderDevices: () => FOLDER_DEVICES });
    assert.equal(after.getMeta('catalog_backfilled_upto'), 'done');
    assert.deepEqual(
      rebuilt.search({ filter: { label: 'person', tags: ['pii:'] }, limit: 1000 }).items,
      want,
    );
    assert.deepEqual(rebuilt.facets({}).labels, wantFacets.labels);
    assert.equal(rebuilt.facets({}).total, 1200);
    after.close();
    const again = new CaptureQueue(older);
    assert.equal(new Catalog(again).facets({}).total, 1200);
    again.close();
  });
});
