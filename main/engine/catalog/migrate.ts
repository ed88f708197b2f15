import type { DatabaseSync } from 'node:sqlite';
import {
  BACKFILL_BATCH_SQL,
  CATALOG_SQL,
  CATALOG_VERSION,
  DATASETS_SQL,
  INDEXING_TRIGGERS_BEFORE,
  PENDING_INDEX_SQL,
} from './schema.ts';

/** Files indexed per transaction by the backfill: short enough that other writers wait little. */
const BACKFILL_BATCH = 20_000;
const PROGRESS_KEY = 'catalog_backfilled_upto';
const VERSION_KEY = 'catalog_version';

/**
 * Additive and idempotent: creates the catalog (tables, indexes, the dirty marks and their triggers)
 * and the data set tables when missing, then indexes the files rows written before the catalog
 * existed, in batches, each its own transaction with its progress, so a crash mid-way resumes where it
 * stopped. A queue whose catalog and review rows were kept by triggers doing the indexing in the
 * writer's transaction (before the indexer) swaps them for the marking triggers in one transaction:
 * its derived rows are up to date, so nothing needs rebuilding. Called by the queue's migrate step on
 * its writing connection, after the review tables exist.
 */
export function migrateCatalog(db: DatabaseSync, options: { batch?: number } = {}): void {
  const meta = (key: string) => db.prepare('SELECT value FROM meta WHERE key = ?').get(key)?.value;
  const setMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
  inTransaction(db, () => {
    db.exec(DATASETS_SQL);
    for (const name of INDEXING_TRIGGERS_BEFORE) db.exec(`DROP TRIGGER IF EXISTS ${name}`);
    db.exec(PENDING_INDEX_SQL);
    if (Number(meta(VERSION_KEY) ?? 0) === CATALOG_VERSION) {
      db.exec(CATALOG_SQL);
      return;
    }
    // First time (or a new shape): the triggers start now, the backfill covers the rows already there.
    dropCatalog(db);
    db.exec(CATALOG_SQL);
    const upto = db.prepare('SELECT coalesce(max(id), 0) AS id FROM files').get()?.id;
    setMeta.run(PROGRESS_KEY, `0/${Number(upto)}`);
    setMeta.run(VERSION_KEY, String(CATALOG_VERSION));
  });
  const progress = String(meta(PROGRESS_KEY) ?? 'done');
  if (progress === 'done') return;
  const [doneText, lastText] = progress.split('/');
  let done = Number(doneText);
  const last = Number(lastText);
  const batch = options.batch ?? BACKFILL_BATCH;
  const statements = BACKFILL_BATCH_SQL.map((sql) => db.prepare(sql));
  while (done < last) {
    const upto = Math.min(done + batch, last);
    inTransaction(db, () => {
      for (const statement of statements) statement.run({ after: done, upto });
      setMeta.run(PROGRESS_KEY, upto >= last ? 'done' : `${upto}/${last}`);
    });
    done = upto;
  }
  if (last === 0) setMeta.run(PROGRESS_KEY, 'done');
}

function dropCatalog(db: DatabaseSync): void {
  const triggers = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'catalog%'")
    .all();
  for (const row of triggers) db.exec(`DROP TRIGGER IF EXISTS "${String(row.name)}"`);
  for (const table of ['catalog_text', 'catalog_labels', 'catalog_tags', 'catalog_counts', 'catalog']) {
    db.exec(`DROP TABLE IF EXISTS ${table}`);
  }
}

function inTransaction(db: DatabaseSync, fn: () => void): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    fn();
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
