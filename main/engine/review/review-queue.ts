import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { FileState } from '../../../shared/status.ts';
import type { ReviewFilter, ReviewItemSummary, ReviewPage, ReviewState } from './types.ts';

/** Thrown for a cursor this engine did not hand out (a UI bug, or a cursor from another engine). */
export class BadCursor extends Error {}

interface Cursor {
  lane: number;
  sortKey: number;
  fileId: number;
}

function encodeCursor(c: Cursor): string {
  return `${c.lane}:${c.sortKey}:${c.fileId}`;
}

function decodeCursor(text: string): Cursor {
  const [lane, sortKey, fileId] = text.split(':').map(Number);
  if (![lane, sortKey, fileId].every(Number.isFinite) || text.split(':').length !== 3)
    throw new BadCursor(`"${text}" is not a review queue cursor; start again without one.`);
  return { lane: lane!, sortKey: sortKey!, fileId: fileId! };
}

const COLUMNS = `r.file_id, r.lane, r.sort_key, r.top_score, r.top_label, r.model_version, r.prediction_count,
  r.review_state, f.rel_path, f.folder_id, f.state, f.content_type, f.sha256, f.rule, f.discovered_at`;

export function summaryOf(row: Record<string, unknown>): ReviewItemSummary {
  const optional = (v: unknown) => (v == null ? undefined : String(v));
  return {
    fileId: Number(row['file_id']),
    relPath: String(row['rel_path']),
    folderId: String(row['folder_id']),
    state: row['state'] as FileState,
    held: row['state'] === 'held',
    contentType: optional(row['content_type']),
    sha256: optional(row['sha256']),
    rule: optional(row['rule']),
    topLabel: optional(row['top_label']),
    topScore: row['top_score'] == null ? undefined : Number(row['top_score']),
    modelVersion: optional(row['model_version']),
    predictionCount: Number(row['prediction_count']),
    reviewState: row['review_state'] as ReviewState,
    discoveredAt: Number(row['discovered_at']),
  };
}

/**
 * The review queue: items a rule held first, then the most uncertain (lowest top score, or
 * closest to review.threshold), then by id. Keyset paging on (lane, sort_key, file_id) follows the
 * `review_queue` index, so the next page costs the same however deep the reviewer is.
 */
export class ReviewQueue {
  private readonly statements = new Map<string, StatementSync>();
  private readonly db: DatabaseSync;
  private readonly catchUp: (fileId?: number) => void;

  /**
   * catchUp brings the review rows up to date first (CaptureQueue.indexBeforeRead, bounded; with a
   * fileId only when that file has changes pending): an item inspected a moment ago is listed even if
   * the indexer's next pass has not run yet.
   */
  constructor(db: DatabaseSync, options: { catchUp?: (fileId?: number) => void } = {}) {
    this.db = db;
    this.catchUp = options.catchUp ?? (() => {});
  }

  list(filter: ReviewFilter = {}, options: { cursor?: string; limit?: number } = {}): ReviewPage {
    this.catchUp();
    const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
    const where: string[] = [filter.heldOnly ? 'r.lane = 0' : 'r.lane < 2'];
    const values: (string | number)[] = [];
    const states = filter.reviewStates?.length ? [...new Set(filter.reviewStates)] : undefined;
    if (states) {
      where.push(`r.review_state IN (${states.map(() => '?').join(', ')})`);
      values.push(...states);
    }
    if (options.cursor) {
      const c = decodeCursor(options.cursor);
      where.push('(r.lane, r.sort_key, r.file_id) > (?, ?, ?)');
      values.push(c.lane, c.sortKey, c.fileId);
    }
    if (filter.label !== undefined) {
      where.push('EXISTS (SELECT 1 FROM predictions p WHERE p.label = ? AND p.file_id = r.file_id)');
      values.push(filter.label);
    }
    if (filter.minScore !== undefined) {
      where.push('r.top_score >= ?');
      values.push(filter.minScore);
    }
    if (filter.maxScore !== undefined) {
      where.push('r.top_score <= ?');
      values.push(filter.maxScore);
    }
    if (filter.rule !== undefined) {
      where.push('f.rule = ?');
      values.push(filter.rule);
    }
    if (filter.folderId !== undefined) {
      where.push('f.folder_id = ?');
      values.push(filter.folderId);
    }
    if (filter.from !== undefined) {
      where.push('f.discovered_at >= ?');
      values.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('f.discovered_at < ?');
      values.push(filter.to);
    }
    // One review state: its own index gives the order directly.
    const index = states?.length === 1 ? 'review_queue_by_state' : 'review_queue';
    const sql = `SELECT ${COLUMNS} FROM review_items r INDEXED BY ${index} JOIN files f ON f.id = r.file_id
      WHERE ${where.join(' AND ')} ORDER BY r.lane, r.sort_key, r.file_id LIMIT ?`;
    const rows = this.prepared(sql).all(...values, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(summaryOf),
      nextCursor:
        rows.length > limit && last
          ? encodeCursor({
              lane: Number(last['lane']),
              sortKey: Number(last['sort_key']),
              fileId: Number(last['file_id']),
            })
          : undefined,
    };
  }

  /** One item's summary, whether or not it is listed now (lane 2 included). */
  summary(fileId: number): ReviewItemSummary | undefined {
    this.catchUp(fileId);
    const row = this.prepared(
      `SELECT ${COLUMNS} FROM review_items r JOIN files f ON f.id = r.file_id WHERE r.file_id = ?`,
    ).get(fileId);
    return row ? summaryOf(row) : undefined;
  }

  private prepared(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
