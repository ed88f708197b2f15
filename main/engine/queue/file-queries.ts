import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { FILE_STATES, type FileState } from '../../../shared/status.ts';
import { rowToRecord } from './rows.ts';
import type { FileRecord, ListOptions, Page, QueueChange } from './types.ts';

/** A cached prepared statement for this text (CaptureQueue's own). */
type Sql = (text: string) => StatementSync;

export interface KnownFile {
  id: number;
  size: number;
  mtimeMs: number;
  state: FileState;
}

/** Paths looked up per statement (SQLite's parameter limit stays far away). */
const LOOKUP_CHUNK = 512;

/**
 * What the queue knows of these paths, LOOKUP_CHUNK at a time. Each chunk is padded with NULLs (which
 * match no row) to a power of two, so at most 10 statement shapes are prepared and cached: one per
 * chunk length was up to 500 statements of ~200 kB each in SQLite's memory (+108 MB RSS measured).
 */
export function lookupPaths(sql: Sql, absPaths: readonly string[]): Map<string, KnownFile> {
  const found = new Map<string, KnownFile>();
  for (let start = 0; start < absPaths.length; start += LOOKUP_CHUNK) {
    const chunk: (string | null)[] = absPaths.slice(start, start + LOOKUP_CHUNK);
    const shape = 2 ** Math.ceil(Math.log2(chunk.length));
    while (chunk.length < shape) chunk.push(null);
    const text = `SELECT id, abs_path, size, mtime_ms, state FROM files WHERE abs_path IN (${chunk.map(() => '?').join(',')})`;
    for (const row of sql(text).all(...chunk)) {
      found.set(String(row.abs_path), {
        id: Number(row.id),
        size: Number(row.size),
        mtimeMs: Number(row.mtime_ms),
        state: row.state as FileState,
      });
    }
  }
  return found;
}

/**
 * Files in one or more states, page by page, newest or oldest first. The statement is prepared per
 * call, not cached: its text varies with the options.
 */
export function listFiles(db: DatabaseSync, options: ListOptions): Page<FileRecord> {
  const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
  const newest = (options.order ?? 'newest') === 'newest';
  const where: string[] = [];
  const values: (string | number)[] = [];
  if (options.destination !== undefined) {
    const states = options.states?.length
      ? ` AND state IN (${options.states.map(() => '?').join(', ')})`
      : '';
    where.push(`id IN (SELECT file_id FROM deliveries WHERE destination = ?${states})`);
    values.push(options.destination, ...(options.states ?? []));
  } else if (options.states?.length) {
    where.push(`state IN (${options.states.map(() => '?').join(', ')})`);
    values.push(...options.states);
  }
  if (options.folderId) {
    where.push('folder_id = ?');
    values.push(options.folderId);
  }
  if (options.cursor) {
    const after = Number(options.cursor);
    if (!Number.isInteger(after)) throw new Error(`Invalid cursor "${options.cursor}"`);
    where.push(newest ? 'id < ?' : 'id > ?');
    values.push(after);
  }
  const text = `SELECT * FROM files ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY id ${newest ? 'DESC' : 'ASC'} LIMIT ?`;
  const rows = db.prepare(text).all(...values, limit + 1);
  const items = rows.slice(0, limit).map(rowToRecord);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? String(last.id) : undefined };
}

/** How many files are in each state (every state present, zero when empty). */
export function stateCounts(sql: Sql): Record<FileState, number> {
  const counts = Object.fromEntries(FILE_STATES.map((state) => [state, 0])) as Record<FileState, number>;
  for (const row of sql('SELECT state, n FROM state_counts').all()) {
    counts[row.state as FileState] = Number(row.n);
  }
  return counts;
}

/** Changes after `seq`, with the path and folder of the file each is about. */
export function changesSince(sql: Sql, seq: number, limit: number): QueueChange[] {
  return sql(
    `SELECT e.seq, e.at, e.file_id, e.kind, e.from_state, e.to_state, e.detail, f.rel_path, f.folder_id
     FROM events e LEFT JOIN files f ON f.id = e.file_id WHERE e.seq > ? ORDER BY e.seq LIMIT ?`,
  )
    .all(seq, limit)
    .map((row) => ({
      ...rowToChange(row),
      relPath: row.rel_path == null ? undefined : String(row.rel_path),
      folderId: row.folder_id == null ? undefined : String(row.folder_id),
    }));
}

/** A file's history, oldest first. */
export function fileHistory(sql: Sql, fileId: number): QueueChange[] {
  return sql('SELECT * FROM events WHERE file_id = ? ORDER BY seq')
    .all(fileId)
    .map((row) => ({ ...rowToChange(row), fileId }));
}

function rowToChange(row: Record<string, unknown>): QueueChange {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    fileId: row.file_id == null ? null : Number(row.file_id),
    kind: String(row.kind),
    from: (row.from_state ?? undefined) as FileState | undefined,
    to: (row.to_state ?? undefined) as FileState | undefined,
    detail: row.detail == null ? undefined : String(row.detail),
  };
}
