/**
 * The catalog: every file the engine has seen, indexed for search. It lives in the queue database and
 * is derived from `files` rows: triggers on `files` only mark a changed file in `catalog_dirty` (same
 * transaction, so every writer is covered and the mark survives a crash), and the indexer
 * (indexer.ts) derives the catalog and review rows of marked files in batches, off the capture hot
 * path. Everything here is derived from a files row; dropping these tables and reopening the queue
 * rebuilds them.
 *
 * Each search filter has its own index ending in (captured_at, file_id), so a filter both finds its
 * rows and yields them newest first: a page of 50 reads about 50 index entries, not every match.
 */

/** Bumped when the derived tables change shape: the backfill then runs again from the start. */
export const CATALOG_VERSION = 1;

/**
 * The derivation, written once for two sources: a files row in a trigger (NEW or OLD) and a batch of
 * files rows in the backfill. `f` has the columns id, folder_id, mtime_ms, size, content_type, state,
 * inspection.
 */
const ITEMS = "json_each(f.inspection, '$.predictions.items')";
const TAGS = "json_each(f.inspection, '$.tags')";

/** A tag's family (`pii:email` → `pii:`), indexed too, so "any PII" is one index range. */
const family = (key: string) =>
  `CASE WHEN instr(${key}, ':') > 0 THEN substr(${key}, 1, instr(${key}, ':')) END`;

function insertCatalog(source: string): string {
  return `INSERT OR IGNORE INTO catalog
    (file_id, folder_id, captured_at, size, content_type, state, top_label, top_score, model_version, labels, tags)
  SELECT f.id, f.folder_id, f.mtime_ms, f.size, f.content_type, f.state,
    (SELECT i.value ->> 'label' FROM ${ITEMS} i ORDER BY i.value ->> 'score' DESC LIMIT 1),
    (SELECT max(i.value ->> 'score') FROM ${ITEMS} i),
    f.inspection ->> '$.predictions.modelVersion',
    (SELECT json_group_array(DISTINCT i.value ->> 'label') FROM ${ITEMS} i),
    (SELECT json_group_array(t.key) FROM ${TAGS} t)
  FROM ${source} f`;
}

function insertLabels(source: string): string {
  return `INSERT OR IGNORE INTO catalog_labels (label, captured_at, file_id, score)
  SELECT i.value ->> 'label', f.mtime_ms, f.id, max(i.value ->> 'score')
  FROM ${source} f, ${ITEMS} i WHERE f.inspection IS NOT NULL AND i.value ->> 'label' IS NOT NULL
  GROUP BY f.id, i.value ->> 'label'`;
}

function insertTags(source: string): string {
  return `INSERT OR IGNORE INTO catalog_tags (tag, captured_at, file_id)
  SELECT tag, mtime_ms, id FROM (
    SELECT t.key AS tag, f.mtime_ms, f.id FROM ${source} f, ${TAGS} t WHERE f.inspection IS NOT NULL
    UNION SELECT ${family('t.key')}, f.mtime_ms, f.id FROM ${source} f, ${TAGS} t WHERE f.inspection IS NOT NULL
  ) WHERE tag IS NOT NULL`;
}

/** Words for full-text search: the path's parts, the labels, the tags and the content type. */
function insertText(source: string): string {
  return `INSERT INTO catalog_text (rowid, words)
  SELECT f.id, f.rel_path || ' ' || coalesce(f.content_type, '') || ' ' ||
    coalesce((SELECT group_concat(i.value ->> 'label', ' ') FROM ${ITEMS} i), '') || ' ' ||
    coalesce((SELECT group_concat(t.key, ' ') FROM ${TAGS} t), '')
  FROM ${source} f`;
}

function derivedInserts(source: string): string[] {
  return [insertCatalog(source), insertLabels(source), insertTags(source), insertText(source)];
}

/**
 * One indexing batch: the files marked in `catalog_dirty` with file_id <= :upto. `facts = 1` marks a
 * file whose derived rows must be rebuilt (new, inspected, rewritten, renamed, deleted); `facts = 0`
 * one whose state alone changed.
 */
const BATCH = 'SELECT file_id FROM catalog_dirty WHERE file_id <= :upto';
const BATCH_FACTS = `${BATCH} AND facts = 1`;
/** The catalog rows of rebuilt files: what was derived from their previous facts. */
const OLD_ROWS = `(SELECT c.file_id, c.captured_at, c.labels, c.tags FROM catalog c WHERE c.file_id IN (${BATCH_FACTS}))`;

export const INDEX_BATCH_SQL: readonly string[] = [
  // A state-only mark for a file with no catalog row yet (indexed before it existed): rebuild it.
  `UPDATE catalog_dirty SET facts = 1 WHERE file_id <= :upto AND facts = 0
     AND NOT EXISTS (SELECT 1 FROM catalog c WHERE c.file_id = catalog_dirty.file_id)`,
  // The previous rows, found through the catalog row's labels and tags (the old facts are gone).
  `DELETE FROM catalog_labels WHERE (label, captured_at, file_id) IN
     (SELECT j.value, o.captured_at, o.file_id FROM ${OLD_ROWS} o, json_each(o.labels) j)`,
  // Tags and families apart: a UNION inside IN (…) makes SQLite scan the whole table.
  `DELETE FROM catalog_tags WHERE (tag, captured_at, file_id) IN
     (SELECT j.value, o.captured_at, o.file_id FROM ${OLD_ROWS} o, json_each(o.tags) j)`,
  `DELETE FROM catalog_tags WHERE (tag, captured_at, file_id) IN
     (SELECT ${family('j.value')}, o.captured_at, o.file_id FROM ${OLD_ROWS} o, json_each(o.tags) j)`,
  `DELETE FROM catalog_text WHERE rowid IN (SELECT file_id FROM ${OLD_ROWS})`,
  `DELETE FROM catalog WHERE file_id IN (${BATCH_FACTS})`,
  ...derivedInserts(
    `(SELECT id, folder_id, rel_path, mtime_ms, size, content_type, state, inspection FROM files WHERE id IN (${BATCH_FACTS}))`,
  ),
  `UPDATE catalog SET state = (SELECT f.state FROM files f WHERE f.id = catalog.file_id)
     WHERE file_id IN (${BATCH} AND facts = 0)`,
];

/**
 * Marks instead of work on the capture hot path: each write to `files` that changes what the catalog
 * or the review queue derive costs one insert-or-ignore into this small table, in the writer's own
 * transaction. The indexer empties it in batches.
 */
export const PENDING_INDEX_SQL = `
CREATE TABLE IF NOT EXISTS catalog_dirty (file_id INTEGER PRIMARY KEY, facts INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS files_index_on_insert AFTER INSERT ON files BEGIN
  INSERT INTO catalog_dirty (file_id, facts) VALUES (NEW.id, 1) ON CONFLICT (file_id) DO UPDATE SET facts = 1;
END;
CREATE TRIGGER IF NOT EXISTS files_index_on_facts AFTER UPDATE OF inspection, mtime_ms, size, content_type, rel_path ON files
WHEN OLD.inspection IS NOT NEW.inspection OR OLD.mtime_ms != NEW.mtime_ms OR OLD.size != NEW.size
  OR OLD.content_type IS NOT NEW.content_type OR OLD.rel_path != NEW.rel_path BEGIN
  INSERT INTO catalog_dirty (file_id, facts) VALUES (NEW.id, 1) ON CONFLICT (file_id) DO UPDATE SET facts = 1;
END;
CREATE TRIGGER IF NOT EXISTS files_index_on_state AFTER UPDATE OF state ON files WHEN OLD.state != NEW.state BEGIN
  INSERT OR IGNORE INTO catalog_dirty (file_id, facts) VALUES (NEW.id, 0);
END;
CREATE TRIGGER IF NOT EXISTS files_index_on_delete AFTER DELETE ON files BEGIN
  INSERT INTO catalog_dirty (file_id, facts) VALUES (OLD.id, 1) ON CONFLICT (file_id) DO UPDATE SET facts = 1;
END;
`;

/** The triggers that did the indexing in the writer's transaction before the indexer (dropped on migration). */
export const INDEXING_TRIGGERS_BEFORE: readonly string[] = [
  'catalog_follows_insert',
  'catalog_follows_facts',
  'catalog_follows_state',
  'catalog_follows_delete',
  'review_follows_inspection',
  'review_follows_hold',
  'review_follows_delete',
];

/** One facet counter: kind (label, tag, type, folder), value, count. */
function counted(table: string, kind: string, column: string, when = ''): string {
  const guard = (row: string) => (when ? `WHEN ${when.replaceAll('$', row)}` : '');
  return `
CREATE TRIGGER IF NOT EXISTS ${table}_counts_${kind}_in AFTER INSERT ON ${table} ${guard('NEW')} BEGIN
  INSERT INTO catalog_counts (kind, value, n) VALUES ('${kind}', NEW.${column}, 1)
    ON CONFLICT (kind, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS ${table}_counts_${kind}_out AFTER DELETE ON ${table} ${guard('OLD')} BEGIN
  UPDATE catalog_counts SET n = n - 1 WHERE kind = '${kind}' AND value = OLD.${column};
END;`;
}

export const CATALOG_SQL = `
CREATE TABLE IF NOT EXISTS catalog (
  file_id INTEGER PRIMARY KEY,
  folder_id TEXT NOT NULL,
  -- When the capture was written (the file's mtime): what "newest" and time ranges mean.
  captured_at INTEGER NOT NULL,
  size INTEGER NOT NULL,
  content_type TEXT,
  state TEXT NOT NULL,
  top_label TEXT,
  top_score REAL,
  model_version TEXT,
  -- JSON arrays, for result rows and facets of a filtered search without a lookup per file.
  labels TEXT,
  tags TEXT
);
CREATE INDEX IF NOT EXISTS catalog_by_time ON catalog(captured_at, file_id);
CREATE INDEX IF NOT EXISTS catalog_by_folder ON catalog(folder_id, captured_at, file_id);
CREATE INDEX IF NOT EXISTS catalog_by_type ON catalog(content_type, captured_at, file_id);
CREATE INDEX IF NOT EXISTS catalog_by_state ON catalog(state, captured_at, file_id);
-- One row per (file, predicted class) with that class's best score.
CREATE TABLE IF NOT EXISTS catalog_labels (
  label TEXT NOT NULL, captured_at INTEGER NOT NULL, file_id INTEGER NOT NULL, score REAL,
  PRIMARY KEY (label, captured_at, file_id)
) WITHOUT ROWID;
-- One row per (file, tag), plus one per tag family (pii:, file:, …).
CREATE TABLE IF NOT EXISTS catalog_tags (
  tag TEXT NOT NULL, captured_at INTEGER NOT NULL, file_id INTEGER NOT NULL,
  PRIMARY KEY (tag, captured_at, file_id)
) WITHOUT ROWID;
-- Path parts, labels, tags, content type; rowid = file id. Contentless: the words live in files.
CREATE VIRTUAL TABLE IF NOT EXISTS catalog_text USING fts5(words, content='', contentless_delete=1);
-- Facet counts over the whole catalog, kept by triggers: the unfiltered Catalog view asks every time.
CREATE TABLE IF NOT EXISTS catalog_counts (
  kind TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (kind, value)
) WITHOUT ROWID;
${counted('catalog_labels', 'label', 'label')}
${counted('catalog_tags', 'tag', 'tag')}
${counted('catalog', 'type', 'content_type', '$.content_type IS NOT NULL')}
${counted('catalog', 'folder', 'folder_id')}
`;

/** Fill the catalog for files rows :after < id <= :upto (the backfill of a queue written before it). */
export const BACKFILL_BATCH_SQL: readonly string[] = derivedInserts(
  '(SELECT id, folder_id, rel_path, mtime_ms, size, content_type, state, inspection FROM files WHERE id > :after AND id <= :upto)',
);

/** Saved searches: the query as asked and the files it matched when saved (what exports use). */
export const DATASETS_SQL = `
CREATE TABLE IF NOT EXISTS datasets (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT,
  filter TEXT NOT NULL,
  destination TEXT,
  created_at INTEGER NOT NULL,
  created_by TEXT,
  members INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS dataset_members (
  dataset_id INTEGER NOT NULL, file_id INTEGER NOT NULL, PRIMARY KEY (dataset_id, file_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dataset_exports (
  id INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  outcome TEXT
);
`;
