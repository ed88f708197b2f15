import { FILE_STATES, type FileState } from '../../../shared/status.ts';
import { CatalogError, type CatalogFilter, type CatalogOrder, STORED_STATES } from './types.ts';

type Param = string | number | null;

/** What planning needs to know besides the filter: how many files each value has, and the config's devices. */
export interface PlanContext {
  /** Files per facet value (catalog_counts, kept by triggers): picks the most selective index. */
  count(kind: 'label' | 'tag' | 'type' | 'folder', value: string): number;
  stateCount(state: FileState): number;
  /** Files in the catalog. */
  total(): number;
  /** Files whose words match this FTS5 query. */
  textCount(query: string): number;
  /** Files with at least one correction; undefined when the review tables do not exist. */
  correctedCount(): number | undefined;
  /** Folder ids of each device name in the site config. */
  foldersOf(device: string): string[];
}

export interface SqlText {
  sql: string;
  params: Param[];
}

/**
 * Where the rows come from. Each ordered driver is an index whose first column(s) the filter fixes and
 * whose next are (captured_at, file_id): it yields matches already newest first, so a page stops
 * after `limit` matches. Unordered drivers (several values, text) read all their matches and sort.
 */
interface Driver {
  from: string;
  /** Alias holding captured_at and file_id in the driver's order. */
  alias: string;
  where: string[];
  params: Param[];
  ordered: boolean;
  count: number;
  /** Filters the driver already applies. */
  covers: Set<'label' | 'text' | 'corrected' | `tag:${string}` | 'folders' | 'types' | 'states'>;
}

const CATALOG = 'catalog c';

export interface SelectOptions {
  columns: string;
  order: CatalogOrder;
  cursor?: { capturedAt: number; id: number };
  limit?: number;
  /** Join files (path, sha256, key) to each row. */
  withFile?: boolean;
}

/** The SELECT for a filter: driver chosen by counts, the other filters as checks on each row. */
export function buildSelect(filter: CatalogFilter, ctx: PlanContext, options: SelectOptions): SqlText {
  const normal = normalise(filter, ctx);
  const driver = chooseDriver(normal, filter, ctx);
  const where = [...driver.where];
  const params = [...driver.params];
  const o = driver.alias;
  const add = (clause: string, ...values: Param[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (normal.empty) add('0');
  if (normal.from !== undefined) add(`${o}.captured_at >= ?`, normal.from);
  if (normal.to !== undefined) add(`${o}.captured_at < ?`, normal.to);
  if (options.cursor) {
    add(
      `(${o}.captured_at, ${o}.file_id) ${options.order === 'oldest' ? '>' : '<'} (?, ?)`,
      options.cursor.capturedAt,
      options.cursor.id,
    );
  }
  if (!driver.covers.has('folders') && normal.folders)
    add(inList('c.folder_id', normal.folders), ...normal.folders);
  if (!driver.covers.has('types') && normal.types)
    add(inList('c.content_type', normal.types), ...normal.types);
  if (!driver.covers.has('states') && normal.states) add(inList('c.state', normal.states), ...normal.states);
  if (filter.minSize !== undefined) add('c.size >= ?', filter.minSize);
  if (filter.maxSize !== undefined) add('c.size <= ?', filter.maxSize);
  if (filter.label !== undefined && !driver.covers.has('label')) {
    const score = scoreChecks('l.score', filter);
    add(
      `EXISTS (SELECT 1 FROM catalog_labels l WHERE l.label = ? AND l.captured_at = c.captured_at AND l.file_id = c.file_id${score.sql})`,
      filter.label,
      ...score.params,
    );
  }
  if (filter.label === undefined) {
    const score = scoreChecks('c.top_score', filter);
    if (score.params.length > 0) add(score.sql.slice(5), ...score.params);
  }
  for (const tag of normal.tags) {
    if (driver.covers.has(`tag:${tag}`)) continue;
    add(
      'EXISTS (SELECT 1 FROM catalog_tags t WHERE t.tag = ? AND t.captured_at = c.captured_at AND t.file_id = c.file_id)',
      tag,
    );
  }
  if (normal.text !== undefined && !driver.covers.has('text')) {
    add('c.file_id IN (SELECT rowid FROM catalog_text WHERE catalog_text MATCH ?)', normal.text);
  }
  if (filter.corrected !== undefined && !driver.covers.has('corrected')) {
    add(`${filter.corrected ? '' : 'NOT '}EXISTS (SELECT 1 FROM corrections r WHERE r.file_id = c.file_id)`);
  }
  if (filter.correctedLabel !== undefined) {
    add(
      `EXISTS (SELECT 1 FROM corrections r, json_each(r.objects) ro WHERE r.file_id = c.file_id
        AND r.superseded_by IS NULL AND ro.value ->> 'label' = ?)`,
      filter.correctedLabel,
    );
  }
  const direction = options.order === 'oldest' ? 'ASC' : 'DESC';
  const files = options.withFile ? ' CROSS JOIN files f ON f.id = c.file_id' : '';
  const limit = options.limit !== undefined ? ` LIMIT ${Math.floor(options.limit)}` : '';
  const sql = `SELECT ${options.columns} FROM ${driver.from}${files}
    ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ${o}.captured_at ${direction}, ${o}.file_id ${direction}${limit}`;
  return { sql, params };
}

interface Normal {
  text?: string;
  tags: string[];
  folders?: string[];
  types?: string[];
  states?: FileState[];
  from?: number;
  to?: number;
  /** The filter can match nothing (a device with no folders, contradictory states). */
  empty: boolean;
}

function normalise(filter: CatalogFilter, ctx: PlanContext): Normal {
  let empty = false;
  let folders = filter.folders?.length ? unique(filter.folders) : undefined;
  if (filter.devices?.length) {
    const ofDevices = new Set(filter.devices.flatMap((device) => ctx.foldersOf(device)));
    folders = folders ? folders.filter((id) => ofDevices.has(id)) : [...ofDevices];
  }
  if (folders?.length === 0) empty = true;
  let states = filter.states?.length ? unique(filter.states) : undefined;
  if (filter.stored !== undefined) {
    const stored = new Set(STORED_STATES);
    states ??= [...FILE_STATES];
    if (states) states = states.filter((state) => stored.has(state) === filter.stored);
    if (states?.length === 0) empty = true;
  }
  if (filter.corrected !== undefined || filter.correctedLabel !== undefined) {
    if (ctx.correctedCount() === undefined) {
      throw new CatalogError(
        'no-corrections',
        'This engine keeps no corrections yet (the review tables are missing), so the catalog cannot filter by them.',
      );
    }
  }
  for (const [name, value] of [
    ['minScore', filter.minScore],
    ['maxScore', filter.maxScore],
    ['minSize', filter.minSize],
    ['maxSize', filter.maxSize],
    ['from', filter.from],
    ['to', filter.to],
  ] as const) {
    if (value !== undefined && !Number.isFinite(value))
      throw new CatalogError('bad-filter', `The filter's ${name} must be a number.`);
  }
  return {
    text: ftsQuery(filter.text),
    tags: unique(filter.tags ?? []),
    folders: folders?.length ? folders : undefined,
    types: filter.contentTypes?.length ? unique(filter.contentTypes) : undefined,
    states: states?.length ? states : undefined,
    from: filter.from,
    to: filter.to,
    empty,
  };
}

function chooseDriver(normal: Normal, filter: CatalogFilter, ctx: PlanContext): Driver {
  const candidates: Driver[] = [];
  const sideTable = (table: string) => `${table} d CROSS JOIN catalog c ON c.file_id = d.file_id`;
  if (filter.label !== undefined) {
    const score = scoreChecks('d.score', filter);
    candidates.push({
      from: sideTable('catalog_labels'),
      alias: 'd',
      where: [`d.label = ?${score.sql}`],
      params: [filter.label, ...score.params],
      ordered: true,
      count: ctx.count('label', filter.label),
      covers: new Set(['label']),
    });
  }
  for (const tag of normal.tags) {
    candidates.push({
      from: sideTable('catalog_tags'),
      alias: 'd',
      where: ['d.tag = ?'],
      params: [tag],
      ordered: true,
      count: ctx.count('tag', tag),
      covers: new Set([`tag:${tag}` as const]),
    });
  }
  const byIndex = (
    index: string,
    column: string,
    values: readonly string[],
    count: number,
    covers: 'folders' | 'types' | 'states',
  ) =>
    candidates.push({
      from: `${CATALOG} INDEXED BY ${index}`,
      alias: 'c',
      where: [inList(`c.${column}`, values)],
      params: [...values],
      ordered: values.length === 1,
      count,
      covers: new Set([covers]),
    });
  if (normal.folders) {
    byIndex(
      'catalog_by_folder',
      'folder_id',
      normal.folders,
      sum(normal.folders, (v) => ctx.count('folder', v)),
      'folders',
    );
  }
  if (normal.types) {
    byIndex(
      'catalog_by_type',
      'content_type',
      normal.types,
      sum(normal.types, (v) => ctx.count('type', v)),
      'types',
    );
  }
  if (normal.states) {
    byIndex(
      'catalog_by_state',
      'state',
      normal.states,
      sum(normal.states, (v) => ctx.stateCount(v as FileState)),
      'states',
    );
  }
  if (filter.corrected === true) {
    candidates.push({
      from: '(SELECT DISTINCT file_id FROM corrections) r CROSS JOIN catalog c ON c.file_id = r.file_id',
      alias: 'c',
      where: [],
      params: [],
      ordered: false,
      count: ctx.correctedCount() ?? 0,
      covers: new Set(['corrected']),
    });
  }
  // Text: its matches, sorted; or, when it matches many files, a check on a scan by time.
  if (normal.text !== undefined) {
    candidates.push({
      from: 'catalog_text x CROSS JOIN catalog c ON c.file_id = x.rowid',
      alias: 'c',
      where: ['catalog_text MATCH ?'],
      params: [normal.text],
      ordered: false,
      count: ctx.textCount(normal.text),
      covers: new Set(['text']),
    });
  }
  const byTime: Driver = {
    from: `${CATALOG} INDEXED BY catalog_by_time`,
    alias: 'c',
    where: [],
    params: [],
    ordered: true,
    count: ctx.total(),
    covers: new Set(),
  };
  if (candidates.length === 0) return byTime;
  // Rows read for a page, taking the most selective filter's share as the whole filter's: an ordered
  // index reads until the page is full, an unordered one reads and sorts all its rows, a scan by time
  // reads total / matches rows per match. The cheapest wins (a device with most folders: the scan).
  const fewest = Math.max(1, Math.min(...candidates.map((c) => c.count)));
  const cost = (d: Driver) =>
    d === byTime
      ? Math.min(d.count, (PAGE_ESTIMATE * d.count) / fewest)
      : d.ordered
        ? Math.min(d.count, (PAGE_ESTIMATE * d.count) / fewest)
        : 2 * d.count;
  return [...candidates, byTime].reduce((best, d) => (cost(d) < cost(best) ? d : best));
}

/** The page size costs are estimated for (searches ask for 50 by default). */
const PAGE_ESTIMATE = 50;

function sum(values: readonly string[], of: (value: string) => number): number {
  return values.reduce((total, value) => total + of(value), 0);
}

function scoreChecks(column: string, filter: CatalogFilter): SqlText {
  let sql = '';
  const params: Param[] = [];
  if (filter.minScore !== undefined) {
    sql += ` AND ${column} >= ?`;
    params.push(filter.minScore);
  }
  if (filter.maxScore !== undefined) {
    sql += ` AND ${column} <= ?`;
    params.push(filter.maxScore);
  }
  return { sql, params };
}

function inList(column: string, values: readonly unknown[]): string {
  return values.length === 1 ? `${column} = ?` : `${column} IN (${values.map(() => '?').join(', ')})`;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** Words typed by a person as an FTS5 query: each word a quoted prefix, all of them required. */
export function ftsQuery(text: string | undefined): string | undefined {
  const words = (text ?? '').match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.length > 0 ? words.map((word) => `"${word}"*`).join(' ') : undefined;
}
