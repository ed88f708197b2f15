import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { migrateQueue } from './migrations.ts';
import { ReadOnlySelect } from './read-only-select.ts';
import { SCHEMA_SQL } from './schema.ts';
import type { QueueChange } from './types.ts';

export interface QueueOptions {
  /**
   * `normal` (default): WAL commits survive process crashes and kill -9; power loss may lose the last
   * commits, which the engine tolerates (rescans and idempotent uploads redo them), and commits that
   * must not be lost ask for `durable`. `full` fsyncs every commit.
   */
  durability?: 'full' | 'normal';
  readOnly?: boolean;
  now?: () => number;
  /** How long after a change the catalog and review indexes are brought up to date, at the latest. */
  indexIntervalMs?: number;
}

interface QueueEvents {
  change: [QueueChange[]];
}

/**
 * The queue's SQLite connection: opening and migrating it, cached prepared statements, transactions
 * and savepoints, and the change log, whose events are emitted only once their transaction commits.
 * CaptureQueue (queue.ts) builds the file state machine on top.
 */
export class QueueConnection extends EventEmitter<QueueEvents> {
  readonly path: string;
  protected readonly db: DatabaseSync;
  protected readonly now: () => number;
  protected readonly readOnly: boolean;
  private readonly statements = new Map<string, StatementSync>();
  private readonly durability: 'full' | 'normal';
  private readonly readOnlySelect: ReadOnlySelect;
  private depth = 0;
  private durableCommitWanted = false;
  private pending: QueueChange[] = [];

  constructor(path: string, options: QueueOptions = {}) {
    super();
    this.path = path;
    this.now = options.now ?? Date.now;
    this.durability = options.durability ?? 'normal';
    this.readOnly = options.readOnly ?? false;
    if (!this.readOnly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path, { readOnly: this.readOnly, timeout: 5000 });
    this.readOnlySelect = new ReadOnlySelect(
      { db: this.db, statements: this.statements },
      path,
      this.readOnly,
    );
    if (this.readOnly) return;
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec(`PRAGMA synchronous = ${this.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.exec('PRAGMA temp_store = MEMORY');
    this.db.exec(SCHEMA_SQL);
    migrateQueue(this.db, path);
  }

  /**
   * The connection itself, for modules that own tables in this database (review): they write only
   * their own tables, inside transaction(), so their rows commit with the files they are about.
   */
  get database(): DatabaseSync {
    return this.db;
  }

  close(): void {
    this.readOnlySelect.close();
    if (this.db.isOpen) this.db.close();
  }

  /**
   * How many prepared statements are cached: each holds SQLite memory for the connection's life, so
   * statement texts must come in a bounded number of shapes (leak checks, tests).
   */
  get cachedStatements(): number {
    return this.statements.size;
  }

  /** A prepared statement, kept for the next call with the same text. */
  protected sql(text: string): StatementSync {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /**
   * Runs fn in one IMMEDIATE transaction (nested calls join the outer one). Change events
   * are emitted only after COMMIT, so nobody ever sees a state that could be rolled back.
   */
  transaction<T>(fn: () => T, options: { durable?: boolean } = {}): T {
    if (this.depth > 0) {
      if (options.durable) this.durableCommitWanted = true;
      this.depth++;
      try {
        return fn();
      } finally {
        this.depth--;
      }
    }
    // The safety level can only change outside a transaction.
    const syncNow = options.durable === true && this.durability === 'normal';
    if (syncNow) this.db.exec('PRAGMA synchronous = FULL');
    this.db.exec('BEGIN IMMEDIATE');
    this.depth = 1;
    this.durableCommitWanted = false;
    let result: T;
    try {
      result = fn();
      this.db.exec('COMMIT');
      // A nested call asked for durability after we began: a checkpoint syncs the WAL first.
      if (this.durableCommitWanted && !syncNow && this.durability === 'normal') {
        this.db.exec('PRAGMA wal_checkpoint(PASSIVE)');
      }
    } catch (error) {
      this.pending = [];
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    } finally {
      this.depth = 0;
      if (syncNow) this.db.exec('PRAGMA synchronous = NORMAL');
    }
    this.flushChanges();
    return result;
  }

  /**
   * Runs fn as a savepoint inside the current transaction: when it throws, only its own writes (and
   * their change events) are undone and the error is returned, so one bad row never sinks a batch.
   */
  savepoint(fn: () => void): Error | undefined {
    if (this.depth === 0) {
      let failure: Error | undefined;
      this.transaction(() => {
        failure = this.savepoint(fn);
      });
      return failure;
    }
    const changesBefore = this.pending.length;
    this.db.exec('SAVEPOINT one_row');
    try {
      fn();
      this.db.exec('RELEASE one_row');
      return undefined;
    } catch (error) {
      this.db.exec('ROLLBACK TO one_row');
      this.db.exec('RELEASE one_row');
      this.pending.length = changesBefore;
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  /**
   * Read-only SQL for modules with their own queries (uploader, retention). Writes go through
   * transition() so the state machine and the change log stay in charge. The query runs on a
   * separate read-only connection, so `WITH x AS (…) DELETE …` fails instead of deleting; it sees
   * committed data only (not the caller's own transaction in progress).
   */
  select(sql: string, ...params: (string | number | null)[]): Record<string, unknown>[] {
    return this.readOnlySelect.select(sql, params);
  }

  /** Appends to the change log; the event is emitted when the transaction it belongs to commits. */
  protected record(change: Omit<QueueChange, 'seq' | 'at'>): void {
    const at = this.now();
    const result = this.sql(
      'INSERT INTO events (at, file_id, kind, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(at, change.fileId, change.kind, change.from ?? null, change.to ?? null, change.detail ?? null);
    this.pending.push({ ...change, seq: Number(result.lastInsertRowid), at });
    if (this.depth === 0) this.flushChanges();
  }

  /** Called after changes commit, before they are emitted (the derived indexes are scheduled here). */
  protected changesCommitted(): void {}

  private flushChanges(): void {
    if (this.pending.length === 0) return;
    this.changesCommitted();
    const changes = this.pending;
    this.pending = [];
    this.emit('change', changes);
  }
}
