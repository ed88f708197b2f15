import { DatabaseSync } from 'node:sqlite';
import type { Catalog, CatalogReader } from './catalog.ts';
import { CatalogError, type CatalogFilter } from './types.ts';

/** A named, saved search. */
export interface Dataset {
  id: number;
  name: string;
  description?: string;
  /** The search as it was asked: run it again to see what matches now. */
  filter: CatalogFilter;
  /** Where exports (and uploads of members the store lacks) go; undefined: the site's first default. */
  destination?: string;
  createdAt: number;
  createdBy?: string;
  /** Files matched when it was saved: the frozen list exports use. */
  members: number;
}

export interface SaveDataset {
  name: string;
  description?: string;
  filter: CatalogFilter;
  destination?: string;
  by?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

/**
 * Data sets keep both the query and the list of file ids it matched at save time: an export is then
 * reproducible (the same files whatever arrived since), and the query stays to be run again.
 * Writes go through a connection of their own on the queue's database (the queue's own writer is
 * not shared); reads go through the queue's read-only one.
 */
export class Datasets {
  private readonly path: string;
  private readonly reader: CatalogReader;
  private readonly catalog: Catalog;
  private readonly now: () => number;
  private writer: DatabaseSync | undefined;

  constructor(queuePath: string, reader: CatalogReader, catalog: Catalog, now: () => number = Date.now) {
    this.path = queuePath;
    this.reader = reader;
    this.catalog = catalog;
    this.now = now;
  }

  save(request: SaveDataset): Dataset {
    if (!NAME.test(request.name)) {
      throw new CatalogError(
        'bad-filter',
        `"${request.name}" cannot name a data set: use letters, digits, dot, dash or underscore (up to 80), starting with a letter or digit; it becomes part of object keys.`,
      );
    }
    const db = this.write();
    const members = this.catalog.selectFor(request.filter, { columns: 'c.file_id', order: 'newest' });
    db.exec('BEGIN IMMEDIATE');
    try {
      const taken = db.prepare('SELECT 1 FROM datasets WHERE name = ?').get(request.name);
      if (taken)
        throw new CatalogError(
          'name-taken',
          `A data set named "${request.name}" exists already; pick another name.`,
        );
      const id = Number(
        db
          .prepare(
            'INSERT INTO datasets (name, description, filter, destination, created_at, created_by, members) VALUES (?, ?, ?, ?, ?, ?, 0)',
          )
          .run(
            request.name,
            request.description ?? null,
            JSON.stringify(request.filter),
            request.destination ?? null,
            this.now(),
            request.by ?? null,
          ).lastInsertRowid,
      );
      const sql = members.sql.replace(/^SELECT c\.file_id FROM/, `SELECT ${id}, c.file_id FROM`);
      db.prepare(`INSERT OR IGNORE INTO dataset_members (dataset_id, file_id) ${sql}`).run(...members.params);
      db.prepare(
        'UPDATE datasets SET members = (SELECT count(*) FROM dataset_members WHERE dataset_id = ?) WHERE id = ?',
      ).run(id, id);
      db.exec('COMMIT');
      return this.get(id, db)!;
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }

  list(): Dataset[] {
    return this.reader.select('SELECT * FROM datasets ORDER BY created_at DESC, id DESC').map(toDataset);
  }

  get(id: number, db?: DatabaseSync): Dataset | undefined {
    const row = db
      ? db.prepare('SELECT * FROM datasets WHERE id = ?').get(id)
      : this.reader.select('SELECT * FROM datasets WHERE id = ?', id)[0];
    return row ? toDataset(row as Record<string, unknown>) : undefined;
  }

  /** Member file ids in pages (ascending), for exports that read them more than once. */
  memberIds(id: number, after: number, limit: number): number[] {
    return this.reader
      .select(
        'SELECT file_id FROM dataset_members WHERE dataset_id = ? AND file_id > ? ORDER BY file_id LIMIT ?',
        id,
        after,
        limit,
      )
      .map((row) => Number(row.file_id));
  }

  recordExport(datasetId: number, startedAt: number, outcome: string): void {
    this.write()
      .prepare(
        'INSERT INTO dataset_exports (dataset_id, started_at, finished_at, outcome) VALUES (?, ?, ?, ?)',
      )
      .run(datasetId, startedAt, this.now(), outcome);
  }

  close(): void {
    if (this.writer?.isOpen) this.writer.close();
    this.writer = undefined;
  }

  private write(): DatabaseSync {
    if (this.path === ':memory:') {
      throw new CatalogError(
        'read-only',
        'Data sets need the queue on disk; this engine keeps its queue in memory.',
      );
    }
    this.writer ??= new DatabaseSync(this.path, { timeout: 5000 });
    return this.writer;
  }
}

function toDataset(row: Record<string, unknown>): Dataset {
  return {
    id: Number(row.id),
    name: String(row.name),
    ...(row.description == null ? {} : { description: String(row.description) }),
    filter: JSON.parse(String(row.filter)) as CatalogFilter,
    ...(row.destination == null ? {} : { destination: String(row.destination) }),
    createdAt: Number(row.created_at),
    ...(row.created_by == null ? {} : { createdBy: String(row.created_by) }),
    members: Number(row.members),
  };
}
