import type { DatabaseSync } from 'node:sqlite';

/**
 * The review tables live in the queue database, beside `files`, so a decision and the review
 * queue's row are committed together. Every statement is idempotent (IF NOT EXISTS), so the queue's
 * migrate step can run this on every start.
 *
 * `predictions` and `review_items` are derived from `files` by the catalog's indexer (catalog/indexer.ts)
 * rather than by engine code: triggers on `files` mark every changed file, whoever wrote it (the
 * pipeline, a late sidecar, a reset to `discovered`), and the indexer rebuilds their rows in batches,
 * so the review queue can be read with indexes instead of parsing the inspection JSON of every row.
 */
export const REVIEW_TABLES_SQL = `
CREATE TABLE IF NOT EXISTS predictions (
  file_id INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  label TEXT NOT NULL,
  score REAL,
  x REAL, y REAL, w REAL, h REAL,
  model_version TEXT,
  PRIMARY KEY (file_id, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS predictions_by_label ON predictions(label, file_id);

-- One row per file a reviewer may look at. lane: 0 held for review, 1 has predictions, 2 neither
-- (kept so its review state survives a re-inspection, but not listed). sort_key: how uncertain the
-- model was (top score, or distance to review.threshold); smaller first.
CREATE TABLE IF NOT EXISTS review_items (
  file_id INTEGER PRIMARY KEY,
  lane INTEGER NOT NULL,
  sort_key REAL NOT NULL,
  top_score REAL,
  top_label TEXT,
  model_version TEXT,
  prediction_count INTEGER NOT NULL DEFAULT 0,
  review_state TEXT NOT NULL DEFAULT 'unreviewed',
  reviewed_at INTEGER
);
CREATE INDEX IF NOT EXISTS review_queue ON review_items(lane, sort_key, file_id);
CREATE INDEX IF NOT EXISTS review_queue_by_state ON review_items(review_state, lane, sort_key, file_id);

CREATE TABLE IF NOT EXISTS corrections (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  file_id INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  object_key TEXT,
  model_version TEXT,
  reviewer TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  day TEXT NOT NULL,
  original TEXT NOT NULL,
  objects TEXT NOT NULL,
  verdict TEXT NOT NULL,
  note TEXT,
  image_width INTEGER,
  image_height INTEGER,
  supersedes TEXT,
  superseded_by TEXT,
  body_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS corrections_by_file ON corrections(file_id, reviewer, created_at);
CREATE INDEX IF NOT EXISTS corrections_by_day ON corrections(day, file_id);

-- Per correction and predicted class: did the reviewer agree with the model? Only current
-- corrections have rows (a superseded one's are removed), so the agreement chart counts each
-- reviewer's last word once.
CREATE TABLE IF NOT EXISTS correction_outcomes (
  correction_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  model_version TEXT NOT NULL,
  label TEXT NOT NULL,
  outcome TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS correction_outcomes_by_time ON correction_outcomes(at);
CREATE INDEX IF NOT EXISTS correction_outcomes_by_correction ON correction_outcomes(correction_id);

-- COCO category ids, given once per label and kept, so every export numbers classes the same way.
CREATE TABLE IF NOT EXISTS review_categories (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);

-- The exporter's durable state: which correction objects each destination has confirmed, and
-- which days' manifest and COCO file must be written again.
CREATE TABLE IF NOT EXISTS correction_exports (
  correction_id TEXT NOT NULL,
  destination TEXT NOT NULL,
  key TEXT,
  confirmed_at INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  PRIMARY KEY (correction_id, destination)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS correction_exports_pending ON correction_exports(destination) WHERE confirmed_at IS NULL;
-- version counts changes to the day's corrections; the day is written again while exported_version
-- is behind (a change during an export keeps it behind, so nothing is missed).
CREATE TABLE IF NOT EXISTS export_days (
  destination TEXT NOT NULL,
  day TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  exported_version INTEGER NOT NULL DEFAULT 0,
  exported_at INTEGER,
  PRIMARY KEY (destination, day)
) WITHOUT ROWID;
`;

/** The indexing batch (catalog/schema.ts INDEX_BATCH_SQL): files marked with file_id <= :upto. */
const BATCH = 'SELECT file_id FROM catalog_dirty WHERE file_id <= :upto';

/**
 * The review rows of one indexing batch, rebuilt from each file's current state and inspection:
 * predictions first, then the review row from them. Files with neither predictions nor a hold get a
 * row only if they had one before (lane 2: its review state survives a re-inspection). A review
 * state set by corrections is never touched here.
 */
export const REVIEW_INDEX_BATCH_SQL: readonly string[] = [
  `DELETE FROM predictions WHERE file_id IN (${BATCH} AND facts = 1)`,
  `INSERT INTO predictions (file_id, idx, label, score, x, y, w, h, model_version)
  SELECT f.id, CAST(j.key AS INTEGER), CAST(json_extract(j.value, '$.label') AS TEXT),
    json_extract(j.value, '$.score'),
    json_extract(j.value, '$.box.x'), json_extract(j.value, '$.box.y'),
    json_extract(j.value, '$.box.w'), json_extract(j.value, '$.box.h'),
    json_extract(f.inspection, '$.predictions.modelVersion')
  FROM files f, json_each(f.inspection, '$.predictions.items') AS j
  WHERE f.id IN (${BATCH} AND facts = 1) AND json_extract(j.value, '$.label') IS NOT NULL`,
  `INSERT INTO review_items (file_id, lane, sort_key, top_score, top_label, model_version, prediction_count)
  SELECT id, lane, CASE
      WHEN top IS NULL THEN 2.0
      WHEN threshold IS NULL THEN top
      ELSE abs(top - threshold) END,
    top, top_label, model, n
  FROM (SELECT f.id,
      CASE WHEN f.state = 'held' THEN 0
        WHEN json_type(f.inspection, '$.predictions') IS NOT NULL THEN 1 ELSE 2 END AS lane,
      (SELECT max(score) FROM predictions p WHERE p.file_id = f.id) AS top,
      (SELECT label FROM predictions p WHERE p.file_id = f.id ORDER BY score DESC, idx LIMIT 1) AS top_label,
      json_extract(f.inspection, '$.predictions.modelVersion') AS model,
      (SELECT count(*) FROM predictions p WHERE p.file_id = f.id) AS n,
      (SELECT CAST(value AS REAL) FROM meta WHERE key = 'review.threshold') AS threshold
    FROM files f WHERE f.id IN (${BATCH})) s
  WHERE lane < 2 OR EXISTS (SELECT 1 FROM review_items r WHERE r.file_id = s.id)
  ON CONFLICT (file_id) DO UPDATE SET lane = excluded.lane, sort_key = excluded.sort_key,
    top_score = excluded.top_score, top_label = excluded.top_label,
    model_version = excluded.model_version, prediction_count = excluded.prediction_count`,
  // Deleted files (their predictions went with the first statement).
  `DELETE FROM review_items WHERE file_id IN (${BATCH} AND facts = 1)
     AND NOT EXISTS (SELECT 1 FROM files f WHERE f.id = review_items.file_id)`,
];

/** Fills the tables from files inspected before they existed (runs once, when they are created). */
const BACKFILL_SQL = `
INSERT OR IGNORE INTO predictions (file_id, idx, label, score, x, y, w, h, model_version)
SELECT f.id, CAST(j.key AS INTEGER), CAST(json_extract(j.value, '$.label') AS TEXT),
  json_extract(j.value, '$.score'),
  json_extract(j.value, '$.box.x'), json_extract(j.value, '$.box.y'),
  json_extract(j.value, '$.box.w'), json_extract(j.value, '$.box.h'),
  json_extract(f.inspection, '$.predictions.modelVersion')
FROM files f, json_each(f.inspection, '$.predictions.items') AS j
WHERE f.inspection IS NOT NULL AND json_extract(j.value, '$.label') IS NOT NULL;
INSERT OR IGNORE INTO review_items (file_id, lane, sort_key, top_score, top_label, model_version, prediction_count)
SELECT f.id, CASE WHEN f.state = 'held' THEN 0 ELSE 1 END,
  coalesce(p.top, 2.0), p.top, p.top_label, json_extract(f.inspection, '$.predictions.modelVersion'), coalesce(p.n, 0)
FROM files f LEFT JOIN (
  SELECT file_id, max(score) AS top, count(*) AS n,
    (SELECT label FROM predictions q WHERE q.file_id = predictions.file_id ORDER BY score DESC, idx LIMIT 1) AS top_label
  FROM predictions GROUP BY file_id) p ON p.file_id = f.id
WHERE f.state = 'held' OR (f.inspection IS NOT NULL AND json_type(f.inspection, '$.predictions') IS NOT NULL);
`;

/**
 * Creates the review tables when missing (additive, idempotent), and fills them from files already
 * inspected the first time. Called from the queue's migrate step; later changes reach them through
 * the indexer.
 */
export function migrateReview(db: DatabaseSync): void {
  const existed = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'review_items'")
    .get();
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(REVIEW_TABLES_SQL);
    if (!existed) db.exec(BACKFILL_SQL);
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/** Recomputes every row's sort key after review.threshold changed (undefined: lowest top score first). */
export function applyThreshold(db: DatabaseSync, threshold: number | undefined): void {
  const current = db.prepare("SELECT value FROM meta WHERE key = 'review.threshold'").get();
  const before = current ? Number(current.value) : undefined;
  if (before === threshold) return;
  if (threshold === undefined) db.prepare("DELETE FROM meta WHERE key = 'review.threshold'").run();
  else
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('review.threshold', ?)").run(
      String(threshold),
    );
  db.prepare(
    `UPDATE review_items SET sort_key = CASE WHEN top_score IS NULL THEN 2.0
       WHEN ?1 IS NULL THEN top_score ELSE abs(top_score - ?1) END`,
  ).run(threshold ?? null);
}
