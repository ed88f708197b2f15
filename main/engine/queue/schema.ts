/** The queue database layout. Bump SCHEMA_VERSION and add a migration step when it changes. */
export const SCHEMA_VERSION = 1;

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
`;
