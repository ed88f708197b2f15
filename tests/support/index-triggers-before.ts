/**
 * The indexing triggers of an engine from before the indexer (commit 9b167bd), as its queue.db
 * holds them (copied from sqlite_master): they derived catalog and review rows in every writer's
 * transaction. Tests put them into a data folder to check that the migration takes them out.
 */
export const INDEX_TRIGGERS_BEFORE_SQL = `
CREATE TRIGGER catalog_follows_delete AFTER DELETE ON files BEGIN
  
    DELETE FROM catalog_labels WHERE (label, captured_at, file_id) IN
      (SELECT i.value ->> 'label', f.mtime_ms, f.id FROM (SELECT OLD.id AS id, OLD.mtime_ms AS mtime_ms, OLD.inspection AS inspection) f, json_each(f.inspection, '$.predictions.items') i);
    DELETE FROM catalog_tags WHERE (tag, captured_at, file_id) IN
      (SELECT t.key, f.mtime_ms, f.id FROM (SELECT OLD.id AS id, OLD.mtime_ms AS mtime_ms, OLD.inspection AS inspection) f, json_each(f.inspection, '$.tags') t
       UNION SELECT CASE WHEN instr(t.key, ':') > 0 THEN substr(t.key, 1, instr(t.key, ':')) END, f.mtime_ms, f.id FROM (SELECT OLD.id AS id, OLD.mtime_ms AS mtime_ms, OLD.inspection AS inspection) f, json_each(f.inspection, '$.tags') t);
    DELETE FROM catalog_text WHERE rowid = OLD.id;
    DELETE FROM catalog WHERE file_id = OLD.id;
END;
CREATE TRIGGER catalog_follows_facts AFTER UPDATE OF inspection, mtime_ms, size, content_type, rel_path ON files
WHEN OLD.inspection IS NOT NEW.inspection OR OLD.mtime_ms != NEW.mtime_ms OR OLD.size != NEW.size
  OR OLD.content_type IS NOT NEW.content_type OR OLD.rel_path != NEW.rel_path BEGIN
  
    DELETE FROM catalog_labels WHERE (label, captured_at, file_id) IN
      (SELECT i.value ->> 'label', f.mtime_ms, f.id FROM (SELECT OLD.id AS id, OLD.mtime_ms AS mtime_ms, OLD.inspection AS inspection) f, json_each(f.inspection, '$.predictions.items') i);
    DELETE FROM catalog_tags WHERE (tag, captured_at, file_id) IN
      (SELECT t.key, f.mtime_ms, f.id FROM (SELECT OLD.id AS id, OLD.mtime_ms AS mtime_ms, OLD.inspection AS inspection) f, json_each(f.inspection, '$.tags') t
       UNION SELECT CASE WHEN instr(t.key, ':') > 0 THEN substr(t.key, 1, instr(t.key, ':')) END, f.mtime_ms, f.id FROM (SELECT OLD.id AS id, OLD.mtime_ms AS mtime_ms, OLD.inspection AS inspection) f, json_each(f.inspection, '$.tags') t);
    DELETE FROM catalog_text WHERE rowid = OLD.id;
    DELETE FROM catalog WHERE file_id = OLD.id;
  INSERT OR IGNORE INTO catalog
    (file_id, folder_id, captured_at, size, content_type, state, top_label, top_score, model_version, labels, tags)
  SELECT f.id, f.folder_id, f.mtime_ms, f.size, f.content_type, f.state,
    (SELECT i.value ->> 'label' FROM json_each(f.inspection, '$.predictions.items') i ORDER BY i.value ->> 'score' DESC LIMIT 1),
    (SELECT max(i.value ->> 'score') FROM json_each(f.inspection, '$.predictions.items') i),
    f.inspection ->> '$.predictions.modelVersion',
    (SELECT json_group_array(DISTINCT i.value ->> 'label') FROM json_each(f.inspection, '$.predictions.items') i),
    (SELECT json_group_array(t.key) FROM json_each(f.inspection, '$.tags') t)
  FROM (SELECT NEW.id AS id, NEW.folder_id AS folder_id, NEW.rel_path AS rel_path, NEW.mtime_ms AS mtime_ms, NEW.size AS size, NEW.content_type AS content_type, NEW.state AS state, NEW.inspection AS inspection) f;
INSERT OR IGNORE INTO catalog_labels (label, captured_at, file_id, score)
  SELECT i.value ->> 'label', f.mtime_ms, f.id, max(i.value ->> 'score')
  FROM (SELECT NEW.id AS id, NEW.folder_id AS folder_id, NEW.rel_path AS rel_path, NEW.mtime_ms AS mtime_ms, NEW.size AS size, NEW.content_type AS content_type, NEW.state AS state, NEW.inspection AS inspection) f, json_each(f.inspection, '$.predictions.items') i WHERE f.inspection IS NOT NULL AND i.value ->> 'label' IS NOT NULL
  GROUP BY f.id, i.value ->> 'label';
INSERT OR IGNORE INTO catalog_tags (tag, captured_at, file_id)
  SELECT tag, mtime_ms, id FROM (
    SELECT t.key AS tag, f.mtime_ms, f.id FROM (SELECT NEW.id AS id, NEW.folder_id AS folder_id, NEW.rel_path AS rel_path, NEW.mtime_ms AS mtime_ms, NEW.size AS size, NEW.content_type AS content_type, NEW.state AS state, NEW.inspection AS inspection) f, json_each(f.inspection, '$.tags') t WHERE f.inspection IS NOT NULL
    UNION SELECT CASE WHEN instr(t.key, ':') > 0 THEN substr(t.key, 1, instr(t.key, ':')) END, f.mtime_ms, f.id FROM (SELECT NEW.id AS id, NEW.folder_id AS folder_id, NEW.rel_path AS rel_path, NEW.mtime_ms AS mtime_ms, NEW.size AS size, NEW.content_type AS content_type, NEW.state AS state, NEW.inspection AS inspection) f, json_each(f.inspection, '$.tags') t WHERE f.inspection IS NOT NULL
  ) WHERE tag IS NOT NULL;
INSERT INTO catalog_text (rowid, words)
  SELECT f.id, f.rel_path || ' ' || coalesce(f.content_type, '') || ' ' ||
    coalesce((SELECT group_concat(i.value ->> 'label', ' ') FROM json_each(f.inspection, '$.predictions.items') i), '') || ' ' ||
    coalesce((SELECT group_concat(t.key, ' ') FROM json_each(f.inspection, '$.tags') t), '')
  FROM (SELECT NEW.id AS id, NEW.folder_id AS folder_id, NEW.rel_path AS rel_path, NEW.mtime_ms AS mtime_ms, NEW.size AS size, NEW.content_type AS content_type, NEW.state AS state, NEW.inspection AS inspection) f;
END;
CREATE TRIGGER catalog_follows_insert AFTER INSERT ON files BEGIN
  INSERT OR IGNORE INTO catalog
    (file_id, folder_id, captured_at, size, content_type, state, top_label, top_score, model_version, labels, tags)
  SELECT f.id, f.folder_id, f.mtime_ms, f.size, f.content_type, f.state,
    (SELECT i.value ->> 'label' FROM json_each(f.inspection, '$.predictions.items') i ORDER BY i.value ->> 'score' DESC LIMIT 1),
    (SELECT max(i.value ->> 'score') FROM json_each(f.inspection, '$.predictions.items') i),
    f.inspection ->> '$.predictions.modelVersion',
    (SELECT json_group_array(DISTINCT i.value ->> 'label') FROM json_each(f.inspection, '$.predictions.items') i),
    (SELECT json_group_array(t.key) FROM json_each(f.inspection, '$.tags') t)
  FROM (SELECT NEW.id AS id, NEW.folder_id AS folder_id, NEW.rel_path AS rel_path, NEW.mtime_ms AS mtime_ms, NEW.size AS size, NEW.content_type AS content_type, NEW.state AS state, NEW.inspection AS inspection) f;
INSERT OR IGNORE INTO catalog_labels (label, captured_at, file_id, score)
  SELECT i.value ->> 'label', f.mtime_ms, f.id, max(i.value ->> 'score')
  FROM (SELECT NEW.id AS id, NEW.folder_id AS folder_id, NEW.rel_path AS rel_path, NEW.mtime_ms AS mtime_ms, NEW.size AS size, NEW.content_type AS content_type, NEW.state AS state, NEW.inspection AS inspection) f, json_each(f.inspection, '$.predictions.items') i WHERE f.inspection IS NOT NULL AND i.value ->> 'label' IS NOT NULL
  GROUP BY f.id, i.value ->> 'label';
INSERT OR IGNORE INTO catalog_tags (tag, captured_at, file_id)
  SELECT tag, mtime_ms, id FROM (
    SELECT t.key AS tag, f.mtime_ms, f.id FROM (SELECT NEW.id AS id, NEW.folder_id AS folder_id, NEW.rel_path AS rel_path, NEW.mtime_ms AS mtime_ms, NEW.size AS size, NEW.content_type AS content_type, NEW.state AS state, NEW.inspection AS inspection) f, json_each(f.inspection, '$.tags') t WHERE f.inspection IS NOT NULL
    UNION SELECT CASE WHEN instr(t.key, ':') > 0 THEN substr(t.key, 1, instr(t.key, ':')) END, f.mtime_ms, f.id FROM (SELECT NEW.id AS id, NEW.folder_id AS folder_id, NEW.rel_path AS rel_path, NEW.mtime_ms AS mtime_ms, NEW.size AS size, NEW.content_type AS content_type, NEW.state AS state, NEW.inspection AS inspection) f, json_each(f.inspection, '$.tags') t WHERE f.inspection IS NOT NULL
  ) WHERE tag IS NOT NULL;
INSERT INTO catalog_text (rowid, words)
  SELECT f.id, f.rel_path || ' ' || coalesce(f.content_type, '') || ' ' ||
    coalesce((SELECT group_concat(i.value ->> 'label', ' ') FROM json_each(f.inspection, '$.predictions.items') i), '') || ' ' ||
    coalesce((SELECT group_concat(t.key, ' ') FROM json_each(f.inspection, '$.tags') t), '')
  FROM (SELECT NEW.id AS id, NEW.folder_id AS folder_id, NEW.rel_path AS rel_path, NEW.mtime_ms AS mtime_ms, NEW.size AS size, NEW.content_type AS content_type, NEW.state AS state, NEW.inspection AS inspection) f;
END;
CREATE TRIGGER catalog_follows_state AFTER UPDATE OF state ON files WHEN OLD.state != NEW.state BEGIN
  UPDATE catalog SET state = NEW.state WHERE file_id = NEW.id;
END;
CREATE TRIGGER review_follows_delete AFTER DELETE ON files BEGIN
  DELETE FROM predictions WHERE file_id = OLD.id;
  DELETE FROM review_items WHERE file_id = OLD.id;
END;
CREATE TRIGGER review_follows_hold AFTER UPDATE OF state ON files
WHEN (OLD.state = 'held') != (NEW.state = 'held') BEGIN
  
  INSERT INTO review_items (file_id, lane, sort_key, top_score, top_label, model_version, prediction_count)
  SELECT NEW.id, lane, CASE
      WHEN top IS NULL THEN 2.0
      WHEN threshold IS NULL THEN top
      ELSE abs(top - threshold) END,
    top, top_label, model, n
  FROM (SELECT
      CASE WHEN NEW.state = 'held' THEN 0
        WHEN json_type(NEW.inspection, '$.predictions') IS NOT NULL THEN 1 ELSE 2 END AS lane,
      (SELECT max(score) FROM predictions WHERE file_id = NEW.id) AS top,
      (SELECT label FROM predictions WHERE file_id = NEW.id ORDER BY score DESC, idx LIMIT 1) AS top_label,
      json_extract(NEW.inspection, '$.predictions.modelVersion') AS model,
      (SELECT count(*) FROM predictions WHERE file_id = NEW.id) AS n,
      (SELECT CAST(value AS REAL) FROM meta WHERE key = 'review.threshold') AS threshold)
  WHERE lane < 2 OR EXISTS (SELECT 1 FROM review_items WHERE file_id = NEW.id)
  ON CONFLICT (file_id) DO UPDATE SET lane = excluded.lane, sort_key = excluded.sort_key,
    top_score = excluded.top_score, top_label = excluded.top_label,
    model_version = excluded.model_version, prediction_count = excluded.prediction_count;
END;
CREATE TRIGGER review_follows_inspection AFTER UPDATE OF inspection ON files
WHEN NEW.inspection IS NOT OLD.inspection BEGIN
  DELETE FROM predictions WHERE file_id = NEW.id;
  
  INSERT INTO predictions (file_id, idx, label, score, x, y, w, h, model_version)
  SELECT NEW.id, CAST(j.key AS INTEGER), CAST(json_extract(j.value, '$.label') AS TEXT),
    json_extract(j.value, '$.score'),
    json_extract(j.value, '$.box.x'), json_extract(j.value, '$.box.y'),
    json_extract(j.value, '$.box.w'), json_extract(j.value, '$.box.h'),
    json_extract(NEW.inspection, '$.predictions.modelVersion')
  FROM json_each(NEW.inspection, '$.predictions.items') AS j
  WHERE json_extract(j.value, '$.label') IS NOT NULL;
  
  INSERT INTO review_items (file_id, lane, sort_key, top_score, top_label, model_version, prediction_count)
  SELECT NEW.id, lane, CASE
      WHEN top IS NULL THEN 2.0
      WHEN threshold IS NULL THEN top
      ELSE abs(top - threshold) END,
    top, top_label, model, n
  FROM (SELECT
      CASE WHEN NEW.state = 'held' THEN 0
        WHEN json_type(NEW.inspection, '$.predictions') IS NOT NULL THEN 1 ELSE 2 END AS lane,
      (SELECT max(score) FROM predictions WHERE file_id = NEW.id) AS top,
      (SELECT label FROM predictions WHERE file_id = NEW.id ORDER BY score DESC, idx LIMIT 1) AS top_label,
      json_extract(NEW.inspection, '$.predictions.modelVersion') AS model,
      (SELECT count(*) FROM predictions WHERE file_id = NEW.id) AS n,
      (SELECT CAST(value AS REAL) FROM meta WHERE key = 'review.threshold') AS threshold)
  WHERE lane < 2 OR EXISTS (SELECT 1 FROM review_items WHERE file_id = NEW.id)
  ON CONFLICT (file_id) DO UPDATE SET lane = excluded.lane, sort_key = excluded.sort_key,
    top_score = excluded.top_score, top_label = excluded.top_label,
    model_version = excluded.model_version, prediction_count = excluded.prediction_count;
END;
`;
