import type { ActivityItem, ActivityKind } from '../../../shared/contract/index.ts';
import { isFileState, PROBLEM_STATES } from '../../../shared/status.ts';
import type { HandlerMap } from './types.ts';

/** Change-log kinds that are about one file. */
const FILE_KINDS = ['discovered', 'changed', 'state', 'predictions'];
const PROBLEM_KINDS_SQL = "(e.kind LIKE '%problem%')";

const quote = (values: readonly string[]): string => values.map((value) => `'${value}'`).join(', ');

/** SQL conditions for each kind an operator filters by. */
const KIND_SQL: Record<ActivityKind, string> = {
  files: `e.kind IN (${quote(FILE_KINDS)})`,
  problems: `(${PROBLEM_KINDS_SQL} OR (e.kind = 'state' AND e.to_state IN (${quote(PROBLEM_STATES)}) AND e.from_state IS NOT e.to_state))`,
  engine: `(e.kind NOT IN (${quote(FILE_KINDS)}) AND NOT ${PROBLEM_KINDS_SQL})`,
};

export function categoryOf(kind: string, from?: string, to?: string): ActivityKind {
  if (kind.includes('problem')) return 'problems';
  if (FILE_KINDS.includes(kind)) {
    return kind === 'state' && to && (PROBLEM_STATES as readonly string[]).includes(to) && from !== to
      ? 'problems'
      : 'files';
  }
  return 'engine';
}

/** `%` and `_` typed by the operator are matched literally. */
const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export const activityHandlers: HandlerMap<'activity.list'> = {
  'activity.list': (engine, params) => {
    const where: string[] = [];
    const values: (string | number)[] = [];
    if (params.before !== undefined) {
      where.push('e.seq < ?');
      values.push(params.before);
    }
    if (params.kinds && params.kinds.length < 3)
      where.push(`(${params.kinds.map((k) => KIND_SQL[k]).join(' OR ')})`);
    const text = params.text?.trim();
    if (text) {
      // Each word must appear in the file's path, the kind, the states or the detail.
      for (const word of text.split(/\s+/).slice(0, 5)) {
        where.push(
          "(coalesce(f.rel_path, '') || ' ' || coalesce(f.folder_id, '') || ' ' || e.kind || ' ' || coalesce(e.from_state, '') || ' ' || coalesce(e.to_state, '') || ' ' || coalesce(e.detail, '')) LIKE ? ESCAPE '\\'",
        );
        values.push(likePattern(word));
      }
    }
    const rows = engine.queue.select(
      `SELECT e.seq, e.at, e.file_id, e.kind, e.from_state, e.to_state, e.detail, f.rel_path, f.folder_id
       FROM events e LEFT JOIN files f ON f.id = e.file_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY e.seq DESC LIMIT ?`,
      ...values,
      params.limit + 1,
    );
    const items: ActivityItem[] = rows.slice(0, params.limit).map((row) => {
      const from = isFileState(row.from_state) ? row.from_state : undefined;
      const to = isFileState(row.to_state) ? row.to_state : undefined;
      const kind = String(row.kind);
      const item: ActivityItem = {
        seq: Number(row.seq),
        at: Number(row.at),
        category: categoryOf(kind, from, to),
        kind,
        fileId: row.file_id == null ? null : Number(row.file_id),
      };
      if (row.rel_path != null) item.relPath = String(row.rel_path);
      if (row.folder_id != null) item.folderId = String(row.folder_id);
      if (from) item.from = from;
      if (to) item.to = to;
      if (row.detail != null) item.detail = String(row.detail);
      return item;
    });
    const last = items.at(-1);
    return { items, nextBefore: rows.length > params.limit && last ? last.seq : undefined };
  },
};
