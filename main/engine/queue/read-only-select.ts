import { DatabaseSync, type StatementSync } from 'node:sqlite';

/** SQLite's result code for a write on a read-only connection. */
const SQLITE_READONLY = 8;

interface Connection {
  db: DatabaseSync;
  statements: Map<string, StatementSync>;
}

/**
 * CaptureQueue.select(): SQL text from other modules runs on a separate read-only connection, so it
 * can never write. The connection is opened on first use; read-only and in-memory queues read
 * through their own (an in-memory database has no second connection to open).
 */
export class ReadOnlySelect {
  private readonly own: Connection;
  private readonly path: string;
  private readonly ownIsReadOnly: boolean;
  private connection: Connection | undefined;

  constructor(own: Connection, path: string, ownIsReadOnly: boolean) {
    this.own = own;
    this.path = path;
    this.ownIsReadOnly = ownIsReadOnly;
  }

  select(sql: string, params: (string | number | null)[]): Record<string, unknown>[] {
    if (!/^\s*(SELECT|WITH)\b/i.test(sql)) throw new Error('CaptureQueue.select runs SELECT statements only');
    const reader = this.reader();
    // Reading through the queue's own writable connection: it refuses writes meanwhile.
    const guardOwn = reader.db === this.own.db && !this.ownIsReadOnly;
    if (guardOwn) this.own.db.exec('PRAGMA query_only = ON');
    try {
      let statement = reader.statements.get(sql);
      if (!statement) {
        statement = reader.db.prepare(sql);
        reader.statements.set(sql, statement);
      }
      return statement.all(...params) as Record<string, unknown>[];
    } catch (error) {
      if ((error as { errcode?: number }).errcode !== SQLITE_READONLY) throw error;
      throw new Error(
        `CaptureQueue.select refused a query that writes (${sql.trim().slice(0, 80)}): it runs read-only queries only. Change files through transition() or the queue's other methods.`,
        { cause: error },
      );
    } finally {
      if (guardOwn) this.own.db.exec('PRAGMA query_only = OFF');
    }
  }

  /** Closes the separate connection, if one was opened (the queue closes its own). */
  close(): void {
    const db = this.connection?.db;
    if (db && db !== this.own.db && db.isOpen) db.close();
  }

  private reader(): Connection {
    this.connection ??=
      this.ownIsReadOnly || this.path === ':memory:'
        ? this.own
        : { db: new DatabaseSync(this.path, { readOnly: true, timeout: 5000 }), statements: new Map() };
    return this.connection;
  }
}
