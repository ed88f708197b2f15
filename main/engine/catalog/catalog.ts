import type { FileState } from '../../../shared/status.ts';
import { buildSelect, type PlanContext, type SqlText } from './query.ts';
import {
  CatalogError,
  type CatalogFacets,
  type CatalogFilter,
  type CatalogItem,
  type CatalogPage,
  type CatalogQuery,
  type FacetCount,
  STORED_STATES,
} from './types.ts';

/** The queue's read-only SELECT (CaptureQueue.select): searches never block or risk the writer. */
export interface CatalogReader {
  select(sql: string, ...params: (string | number | null)[]): Record<string, unknown>[];
  /**
   * Indexes files changed since the indexer's last pass, for a bounded time (CaptureQueue.indexBeforeRead):
   * a search then finds a file captured a moment ago. Readers without it show what is indexed.
   */
  indexBeforeRead?(): number;
}

export interface CatalogOptions {
  /** Folder id → device name, from the site config (devices are named per folder there, not stored per file). */
  folderDevices?: () => ReadonlyMap<string, string>;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
/** A filtered facet count looks at this many of the newest matches at most. */
export const FACET_SCAN_CAP = 100_000;
const FACET_TOP = 20;

const ITEM_COLUMNS = 'c.*, f.rel_path, f.sha256, f.object_key';
const STORED = new Set<FileState>(STORED_STATES);

/** Searches everything the engine has seen (the `catalog` tables the indexer derives from `files`). */
export class Catalog {
  private readonly reader: CatalogReader;
  private readonly folderDevices: () => ReadonlyMap<string, string>;
  private correctionsExist = false;

  constructor(reader: CatalogReader, options: CatalogOptions = {}) {
    this.reader = reader;
    this.folderDevices = options.folderDevices ?? (() => new Map());
  }

  /** One page of matches, newest (or oldest) capture first; pass nextCursor back for the next page. */
  search(query: CatalogQuery): CatalogPage {
    const limit = Math.min(Math.max(Math.floor(query.limit ?? DEFAULT_LIMIT), 1), MAX_LIMIT);
    const select = this.selectFor(query.filter, {
      columns: ITEM_COLUMNS,
      order: query.order ?? 'newest',
      cursor: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      limit: limit + 1,
      withFile: true,
    });
    const rows = this.reader.select(select.sql, ...select.params);
    const devices = this.folderDevices();
    const items = rows.slice(0, limit).map((row) => toItem(row, devices));
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor(last.capturedAt, last.id) : undefined,
    };
  }

  /** The SELECT a filter runs (for data sets, exports and the query-plan tests). */
  selectFor(filter: CatalogFilter, options: Parameters<typeof buildSelect>[2]): SqlText {
    this.reader.indexBeforeRead?.();
    return buildSelect(filter, this.planContext(), options);
  }

  /**
   * Counts by class, content type, tag, folder and device. Unfiltered: exact, from counters the
   * indexer keeps. Filtered: over the newest FACET_SCAN_CAP matches (`exact` says whether that was all).
   */
  facets(filter: CatalogFilter = {}): CatalogFacets {
    const devices = this.folderDevices();
    if (isEmptyFilter(filter)) return this.wholeCatalogFacets(devices);
    const matches = this.selectFor(filter, {
      columns: 'c.file_id, c.folder_id, c.content_type, c.labels, c.tags',
      order: 'newest',
      limit: FACET_SCAN_CAP + 1,
    });
    const sql = `WITH m AS (${matches.sql})
      SELECT 'total' AS kind, '' AS value, count(*) AS n FROM m
      UNION ALL SELECT 'folder', folder_id, count(*) FROM m GROUP BY folder_id
      UNION ALL SELECT 'type', content_type, count(*) FROM m WHERE content_type IS NOT NULL GROUP BY content_type
      UNION ALL SELECT 'label', j.value, count(*) FROM m, json_each(m.labels) j GROUP BY j.value
      UNION ALL SELECT 'tag', j.value, count(*) FROM m, json_each(m.tags) j GROUP BY j.value
      UNION ALL SELECT 'tag', substr(j.value, 1, instr(j.value, ':')), count(DISTINCT m.file_id)
        FROM m, json_each(m.tags) j WHERE instr(j.value, ':') > 0 GROUP BY 2`;
    const rows = this.reader.select(sql, ...matches.params);
    const total = Number(rows.find((row) => row.kind === 'total')?.n ?? 0);
    const facets = facetsFrom(rows, devices);
    // The query read one more than the cap to know whether there were more.
    return { ...facets, total: Math.min(total, FACET_SCAN_CAP), exact: total <= FACET_SCAN_CAP };
  }

  private wholeCatalogFacets(devices: ReadonlyMap<string, string>): CatalogFacets {
    this.reader.indexBeforeRead?.();
    const rows = this.reader.select('SELECT kind, value, n FROM catalog_counts WHERE n > 0');
    const facets = facetsFrom(rows, devices);
    const total = facets.folders.reduce((sum, folder) => sum + folder.count, 0);
    return { ...facets, total, exact: true };
  }

  private planContext(): PlanContext {
    const devices = this.folderDevices();
    return {
      count: (kind, value) =>
        Number(
          this.reader.select('SELECT n FROM catalog_counts WHERE kind = ? AND value = ?', kind, value)[0]
            ?.n ?? 0,
        ),
      stateCount: (state) =>
        Number(this.reader.select('SELECT n FROM state_counts WHERE state = ?', state)[0]?.n ?? 0),
      correctedCount: () => this.correctedCount(),
      textCount: (query) =>
        Number(
          this.reader.select('SELECT count(*) AS n FROM catalog_text WHERE catalog_text MATCH ?', query)[0]
            ?.n ?? 0,
        ),
      total: () => Number(this.reader.select('SELECT sum(n) AS n FROM state_counts')[0]?.n ?? 0),
      foldersOf: (device) => [...devices].filter(([, name]) => name === device).map(([folder]) => folder),
    };
  }

  private correctedCount(): number | undefined {
    if (!this.correctionsExist) {
      const found = this.reader.select(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'corrections'",
      );
      if (found.length === 0) return undefined;
      this.correctionsExist = true;
    }
    return Number(this.reader.select('SELECT count(DISTINCT file_id) AS n FROM corrections')[0]?.n ?? 0);
  }
}

export function isEmptyFilter(filter: CatalogFilter): boolean {
  return Object.values(filter).every(
    (value) => value === undefined || (Array.isArray(value) && value.length === 0) || value === '',
  );
}

function facetsFrom(
  rows: Record<string, unknown>[],
  devices: ReadonlyMap<string, string>,
): Omit<CatalogFacets, 'total' | 'exact'> {
  const by = new Map<string, FacetCount[]>();
  for (const row of rows) {
    const kind = String(row.kind);
    const list = by.get(kind) ?? [];
    list.push({ value: String(row.value), count: Number(row.n) });
    by.set(kind, list);
  }
  const top = (kind: string, n = FACET_TOP) =>
    (by.get(kind) ?? []).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)).slice(0, n);
  const folders = top('folder', 1000);
  const perDevice = new Map<string, number>();
  for (const folder of folders) {
    const device = devices.get(folder.value);
    if (device !== undefined) perDevice.set(device, (perDevice.get(device) ?? 0) + folder.count);
  }
  return {
    labels: top('label'),
    contentTypes: top('type'),
    tags: top('tag'),
    folders,
    devices: [...perDevice]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)),
  };
}

function toItem(row: Record<string, unknown>, devices: ReadonlyMap<string, string>): CatalogItem {
  const state = row.state as FileState;
  const folderId = String(row.folder_id);
  const optional = <T>(value: unknown, as: (v: unknown) => T) => (value == null ? undefined : as(value));
  return {
    id: Number(row.file_id),
    folderId,
    device: devices.get(folderId),
    relPath: String(row.rel_path),
    size: Number(row.size),
    capturedAt: Number(row.captured_at),
    contentType: optional(row.content_type, String),
    state,
    stored: STORED.has(state),
    sha256: optional(row.sha256, String),
    objectKey: optional(row.object_key, String),
    topLabel: optional(row.top_label, String),
    topScore: optional(row.top_score, Number),
    modelVersion: optional(row.model_version, String),
    labels: parseList(row.labels),
    tags: parseList(row.tags),
  };
}

function parseList(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  const parsed = JSON.parse(value) as unknown;
  return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
}

export function encodeCursor(capturedAt: number, id: number): string {
  return `${capturedAt}.${id}`;
}

export function decodeCursor(cursor: string): { capturedAt: number; id: number } {
  const match = /^(-?\d+)\.(\d+)$/.exec(cursor);
  if (!match)
    throw new CatalogError('bad-cursor', `"${cursor}" is not a catalog cursor; start the search again.`);
  return { capturedAt: Number(match[1]), id: Number(match[2]) };
}
