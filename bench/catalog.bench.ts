/**
 * Catalog benchmark (issue 10). Prints numbers; figures go to README.
 *   node bench/catalog.bench.ts [--rows 1000000] [--runs 30] [--backfill]
 * Builds a queue of N captured files (one transaction, prepared statements; triggers mark each file
 * as the engine's writes would), lets the indexer derive the catalog (timed: its rows/s is what the
 * engine spends per file off the capture path), reports database size, then times typical
 * Catalog searches (first page of 50, newest first) and facets, p50/p95 over repeated runs with
 * varied values. --backfill also times the migration indexing a queue written before the catalog.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { Catalog } from '../main/engine/catalog/catalog.ts';
import type { CatalogFilter } from '../main/engine/catalog/types.ts';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { captureFacts, FOLDER_DEVICES, LABELS, random, T0 } from '../tests/support/catalog-data.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '30' },
    backfill: { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const runs = Number(values.runs);
const dir = await mkdtemp(join(tmpdir(), 'edge-catalog-bench-'));
const path = join(dir, 'queue.db');

try {
  const queue = new CaptureQueue(path);
  queue.close();
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL');
  const insert = db.prepare(
    `INSERT INTO files (folder_id, rel_path, abs_path, size, mtime_ms, state, state_changed_at, discovered_at, sha256, content_type, inspection)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const rand = random(42);
  let started = performance.now();
  db.exec('BEGIN');
  for (let i = 1; i <= rows; i++) {
    const f = captureFacts(i, rand);
    insert.run(
      f.folderId,
      f.relPath,
      `/captures/${f.folderId}/${f.relPath}`,
      f.size,
      f.capturedAt,
      f.state,
      f.capturedAt,
      f.capturedAt,
      f.inspection.sha256,
      f.contentType,
      JSON.stringify(f.inspection),
    );
  }
  db.exec('COMMIT');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  const buildS = (performance.now() - started) / 1000;
  console.log(`Catalog bench: ${rows.toLocaleString('en')} files`);
  console.log(
    `  build (one transaction, triggers marking each file for the indexer): ${buildS.toFixed(1)} s, ${Math.round(rows / buildS).toLocaleString('en')} rows/s`,
  );
  started = performance.now();
  const writer = new CaptureQueue(path);
  const indexed = writer.catchUpIndexes();
  writer.close();
  const indexS = (performance.now() - started) / 1000;
  console.log(
    `  indexer: catalog and review rows of ${indexed.toLocaleString('en')} files: ${indexS.toFixed(1)} s, ${Math.round(indexed / indexS).toLocaleString('en')} files/s (${((indexS / indexed) * 1e6).toFixed(0)} µs per file)`,
  );
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  console.log(`  database size: ${((await stat(path)).size / 2 ** 20).toFixed(0)} MiB`);

  if (values.backfill) {
    for (const row of db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'catalog%'")
      .all())
      db.exec(`DROP TRIGGER "${String(row.name)}"`);
    for (const table of ['catalog_text', 'catalog_labels', 'catalog_tags', 'catalog_counts', 'catalog'])
      db.exec(`DROP TABLE ${table}`);
    db.exec("DELETE FROM meta WHERE key LIKE 'catalog_%'");
    db.exec('DELETE FROM catalog_dirty');
    db.close();
    started = performance.now();
    new CaptureQueue(path).close();
    console.log(
      `  migration backfill of a queue written before the catalog: ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } else {
    db.close();
  }

  const reader = new CaptureQueue(path, { readOnly: true });
  const catalog = new Catalog(reader, { folderDevices: () => FOLDER_DEVICES });
  const day = 86_400_000;
  const pick = <T>(list: readonly T[], i: number) => list[i % list.length]!;
  const cases: [string, (i: number) => CatalogFilter][] = [
    [
      'class + score range',
      (i) => ({ label: pick(LABELS, i), minScore: 0.3 + (i % 5) / 10, maxScore: 0.95 }),
    ],
    ['rare class + narrow score', (i) => ({ label: pick(LABELS, i + 5), minScore: 0.9, maxScore: 0.92 })],
    ['tag (pii:email)', () => ({ tags: ['pii:email'] })],
    ['tag family (any PII)', () => ({ tags: ['pii:'] })],
    [
      'folder + time range (1 day)',
      (i) => ({
        folders: [pick(['cam-a', 'cam-b', 'lidar'], i)],
        from: T0 + (i % 200) * day,
        to: T0 + ((i % 200) + 1) * day,
      }),
    ],
    ['device (2 folders)', (i) => ({ devices: [pick(['gate-1', 'mast-2'], i)] })],
    ['content type', (i) => ({ contentTypes: [pick(['image/png', 'text/csv'], i)] })],
    ['text: folder word', () => ({ text: 'dock' })],
    [
      'text: file name prefix',
      (i) => ({
        text: `frame_${String(1000 + i * 3079)
          .padStart(7, '0')
          .slice(0, 5)}`,
      }),
    ],
    ['not in the store', () => ({ stored: false })],
    [
      'combined: class+score+tag+device+time',
      (i) => ({
        label: pick(LABELS, i),
        minScore: 0.5,
        tags: ['pii:'],
        devices: ['gate-1'],
        from: T0,
        to: T0 + 400 * day,
      }),
    ],
    ['combined: text+class+folder', (i) => ({ text: 'yard', label: pick(LABELS, i), folders: ['cam-a'] })],
    ['size range only (residual)', () => ({ minSize: 7_000_000 })],
  ];
  const time = (fn: () => void) => {
    const t = performance.now();
    fn();
    return performance.now() - t;
  };
  const stats = (samples: number[]) => {
    const sorted = [...samples].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return `p50 ${at(0.5).toFixed(1).padStart(6)} ms  p95 ${at(0.95).toFixed(1).padStart(6)} ms`;
  };
  console.log(`\n  search, first page of 50 (${runs} runs each) and the page after it:`);
  for (const [name, filter] of cases) {
    const first: number[] = [];
    const next: number[] = [];
    let matched = 0;
    for (let i = 0; i < runs; i++) {
      let page = catalog.search({ filter: filter(i), limit: 50 });
      first.push(time(() => (page = catalog.search({ filter: filter(i), limit: 50 }))));
      matched = page.items.length;
      if (page.nextCursor)
        next.push(time(() => catalog.search({ filter: filter(i), limit: 50, cursor: page.nextCursor })));
    }
    console.log(
      `  ${name.padEnd(40)} ${stats(first)}   next page ${next.length ? stats(next) : '(none)'}   (${matched} on page 1)`,
    );
  }
  console.log(`\n  facets (${Math.min(runs, 10)} runs each):`);
  const facetCases: [string, CatalogFilter][] = [
    ['whole catalog (counters)', {}],
    ['class dog (filtered, ≤100k scanned)', { label: 'dog' }],
    ['folder + 1 week', { folders: ['cam-a'], from: T0 + 30 * day, to: T0 + 37 * day }],
  ];
  for (const [name, filter] of facetCases) {
    const samples: number[] = [];
    let exact = true;
    for (let i = 0; i < Math.min(runs, 10); i++)
      samples.push(time(() => (exact = catalog.facets(filter).exact)));
    console.log(`  ${name.padEnd(40)} ${stats(samples)}   exact: ${exact}`);
  }
  reader.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
