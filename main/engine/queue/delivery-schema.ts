/**
 * The deliveries table: one row per (file, destination) upload. Created by an idempotent, additive
 * migration: a queue written before it existed gets one delivery per file still on its way to the
 * store, named after the implicit single destination (`default`), with its attempts, error and
 * multipart progress, so an upload cut short by the upgrade resumes where it was.
 */
export const DELIVERIES_SQL = `
CREATE TABLE IF NOT EXISTS deliveries (
  file_id INTEGER NOT NULL,
  destination TEXT NOT NULL,
  state TEXT NOT NULL,
  ordinal INTEGER NOT NULL DEFAULT 0,
  priority INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error TEXT,
  object_key TEXT,
  upload TEXT,
  sidecar TEXT,
  state_changed_at INTEGER NOT NULL,
  PRIMARY KEY (file_id, destination)
) WITHOUT ROWID;
-- The scheduler's reads: one destination's queued (or failed) deliveries in priority order.
CREATE INDEX IF NOT EXISTS deliveries_by_state ON deliveries(destination, state, priority DESC, file_id);
CREATE TABLE IF NOT EXISTS delivery_counts (
  destination TEXT NOT NULL,
  state TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (destination, state)
);
CREATE TRIGGER IF NOT EXISTS deliveries_counted_on_insert AFTER INSERT ON deliveries BEGIN
  INSERT INTO delivery_counts (destination, state, n) VALUES (NEW.destination, NEW.state, 1)
    ON CONFLICT (destination, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS deliveries_counted_on_state AFTER UPDATE OF state ON deliveries
  WHEN OLD.state != NEW.state BEGIN
  UPDATE delivery_counts SET n = n - 1 WHERE destination = OLD.destination AND state = OLD.state;
  INSERT INTO delivery_counts (destination, state, n) VALUES (NEW.destination, NEW.state, 1)
    ON CONFLICT (destination, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS deliveries_counted_on_delete AFTER DELETE ON deliveries BEGIN
  UPDATE delivery_counts SET n = n - 1 WHERE destination = OLD.destination AND state = OLD.state;
END;
`;

/** Files on their way to the store before deliveries existed: one delivery each, to `default`. */
export const BACKFILL_DELIVERIES_SQL = `
INSERT OR IGNORE INTO deliveries (file_id, destination, state, ordinal, priority, attempts, next_attempt_at,
  last_error, object_key, upload, sidecar, state_changed_at)
SELECT id, 'default', state, 0, priority, attempts, next_attempt_at, last_error,
  coalesce(object_key, json_extract(decision, '$.objectKey')), upload, sidecar, state_changed_at
FROM files WHERE state IN ('queued', 'uploading', 'failed', 'conflict');
`;
