import type { DatabaseSync } from 'node:sqlite';
import { migrateCatalog } from '../catalog/migrate.ts';
import { migrateReview } from '../review/schema.ts';
import { BACKFILL_DELIVERIES_SQL, DELIVERIES_SQL } from './delivery-schema.ts';
import { ADDED_COLUMNS, ADDED_INDEXES_SQL, BACKFILL_STATE_COUNTS_SQL, SCHEMA_VERSION } from './schema.ts';

/**
 * Brings a queue database written by an older Edge Capture up to this one's schema (additive steps
 * only), and refuses one written by a newer Edge Capture instead of guessing at its tables.
 */
export function migrateQueue(db: DatabaseSync, path: string): void {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
  const version = row ? Number(row.value) : 0;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `The queue database ${path} was written by a newer Edge Capture (schema ${version}, this one knows ${SCHEMA_VERSION}). Upgrade Edge Capture or point dataDir elsewhere.`,
    );
  }
  if (version < 2) db.exec(BACKFILL_STATE_COUNTS_SQL);
  addMissingColumns(db);
  addDeliveries(db);
  migrateReview(db); // the review queue, corrections and their export state (review/schema.ts)
  migrateCatalog(db);
  if (version < SCHEMA_VERSION) {
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)").run(
      String(SCHEMA_VERSION),
    );
  }
}

/** Additive migrations: each column is added (and backfilled) only when the table lacks it. */
function addMissingColumns(db: DatabaseSync): void {
  const present = new Set(
    db
      .prepare('PRAGMA table_info(files)')
      .all()
      .map((column) => String(column.name)),
  );
  const missing = ADDED_COLUMNS.filter((column) => !present.has(column.name));
  if (missing.length > 0) {
    inOneStep(db, () => {
      for (const column of missing) {
        db.exec(`ALTER TABLE files ADD COLUMN ${column.name} ${column.type}`);
        if (column.backfill) db.exec(column.backfill);
      }
    });
  }
  db.exec(ADDED_INDEXES_SQL);
}

/** The deliveries table, added (and filled from files already on their way) when it is missing. */
function addDeliveries(db: DatabaseSync): void {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'").get();
  if (exists) {
    db.exec(DELIVERIES_SQL);
    return;
  }
  inOneStep(db, () => {
    db.exec(DELIVERIES_SQL);
    db.exec(BACKFILL_DELIVERIES_SQL);
  });
}

/** A migration step commits whole or not at all, so a crash mid-way is simply redone at the next open. */
function inOneStep(db: DatabaseSync, step: () => void): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    step();
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
