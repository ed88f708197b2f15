/** The queue database layout. Bump SCHEMA_VERSION and add a migration step when it changes. */
export const SCHEMA_VERSION = 2;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS files (
  id INTEGER PRIMARY KEY,
  folder_id TEXT NOT NULL,
  rel_path TEXT NOT NULL,
  abs_path TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  state TEXT NOT NULL,
  state_changed_at INTEGER NOT NULL,
  discovered_at INTEGER NOT NULL,
  sha256 TEXT,
  content_type TEXT,
  inspection TEXT,
  decision TEXT,
  rule TEXT,
  reason TEXT,
  priority INTEGER NOT NULL DEFAULT 0,
  object_key TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error TEXT,
  duplicate_of INTEGER,
  upload TEXT
);
CREATE INDEX IF NOT EXISTS files_by_state ON files(state, priority DESC, id);
CREATE INDEX IF NOT EXISTS files_by_sha ON files(sha256) WHERE sha256 IS NOT NULL;
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  file_id INTEGER,
  kind TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS events_by_file ON events(file_id);
CREATE TABLE IF NOT EXISTS rule_hits (rule TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS rule_hits_by_rule ON rule_hits(rule, at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Counts by state kept by triggers: status lines and the UI ask often, and a GROUP BY over a
-- million rows is too slow to run every few hundred milliseconds.
CREATE TABLE IF NOT EXISTS state_counts (state TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS files_counted_on_insert AFTER INSERT ON files BEGIN
  INSERT INTO state_counts (state, n) VALUES (NEW.state, 1) ON CONFLICT (state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS files_counted_on_state AFTER UPDATE OF state ON files WHEN OLD.state != NEW.state BEGIN
  UPDATE state_counts SET n = n - 1 WHERE state = OLD.state;
  INSERT INTO state_counts (state, n) VALUES (NEW.state, 1) ON CONFLICT (state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS files_counted_on_delete AFTER DELETE ON files BEGIN
  UPDATE state_counts SET n = n - 1 WHERE state = OLD.state;
END;
`;

/** Fills state_counts for a database written before it existed (schema 1). */
export const BACKFILL_STATE_COUNTS_SQL = `
DELETE FROM state_counts;
INSERT INTO state_counts (state, n) SELECT state, count(*) FROM files GROUP BY state;
`;

/**
 * Columns added after schema 2, each with an idempotent, additive migration: the queue adds a
 * column only when PRAGMA table_info lacks it, then runs its backfill once. No renumbering, so
 * modules can add columns side by side.
 */
export interface AddedColumn {
  name: string;
  type: string;
  /** Runs once, right after the column is added (fills it from older data). */
  backfill?: string;
}

export const ADDED_COLUMNS: readonly AddedColumn[] = [
  {
    // Where retention moved a removed file's local copy; before it had a column, it lived in `reason`.
    name: 'archived_path',
    type: 'TEXT',
    backfill: `UPDATE files SET archived_path = substr(reason, 13)
      WHERE state = 'removed' AND substr(reason, 1, 12) = 'Archived to '`,
  },
  // The prediction sidecar uploaded beside the capture (JSON: key, sha256, size, mtime, what retention did).
  { name: 'sidecar', type: 'TEXT' },
  // Bumped whenever a file's facts change (content rewritten, sidecar arrived): a decision made on an
  // older look is never committed over a newer one.
  { name: 'revision', type: 'INTEGER NOT NULL DEFAULT 0' },
];

/** Indexes on added columns, created once the columns exist. */
export const ADDED_INDEXES_SQL = `
CREATE INDEX IF NOT EXISTS files_archived ON files(state_changed_at, id) WHERE archived_path IS NOT NULL;
`;
