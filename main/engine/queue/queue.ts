import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Decision } from '../../../shared/decision.ts';
import type { Inspection, Predictions } from '../../../shared/inspection.ts';
import { FILE_STATES, type FileState } from '../../../shared/status.ts';
import { DerivedIndexer, INDEX_ON_READ_MS, INDEX_ON_READ_ROWS } from '../catalog/indexer.ts';
import { migrateCatalog } from '../catalog/migrate.ts';
import { migrateReview } from '../review/schema.ts';
import { type DeliveryCause, DeliveryTable } from './deliveries.ts';
import { BACKFILL_DELIVERIES_SQL, DELIVERIES_SQL } from './delivery-schema.ts';
import { rowToRecord } from './rows.ts';
import {
  ADDED_COLUMNS,
  ADDED_INDEXES_SQL,
  BACKFILL_STATE_COUNTS_SQL,
  SCHEMA_SQL,
  SCHEMA_VERSION,
} from './schema.ts';
import { canTransition, vanishingMatters } from './transitions.ts';
import type {
  DiscoveredFile,
  DiscoverOutcome,
  FilePatch,
  FileRecord,
  ListOptions,
  Page,
  QueueChange,
} from './types.ts';

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

/** FilePatch fields and the columns they are stored in. */
const PATCH_COLUMNS: [keyof FilePatch, string, (v: unknown) => string | number | null][] = [
  ['reason', 'reason', (v) => (v == null ? null : String(v))],
  ['lastError', 'last_error', (v) => (v == null ? null : String(v))],
  ['attempts', 'attempts', (v) => Number(v)],
  ['nextAttemptAt', 'next_attempt_at', (v) => (v == null ? null : Number(v))],
  ['objectKey', 'object_key', (v) => (v == null ? null : String(v))],
  ['upload', 'upload', (v) => (v == null ? null : JSON.stringify(v))],
  ['duplicateOf', 'duplicate_of', (v) => (v == null ? null : Number(v))],
  ['archivedPath', 'archived_path', (v) => (v == null ? null : String(v))],
  ['sidecar', 'sidecar', (v) => (v == null ? null : JSON.stringify(v))],
];

/** SQLite's result code for a write on a read-only connection. */
const SQLITE_READONLY = 8;

/** States that still hold a copy the core has or will get: used for duplicate detection. */
const DUPLICATE_SOURCES: readonly FileState[] = ['queued', 'uploading', 'uploaded', 'retained', 'removed'];

/**
 * The durable queue: one row per captured file, its state machine, and an append-only
 * change log. SQLite in WAL mode is the single source of truth; everything the engine
 * knows about a file is written here before anyone else is told.
 */
export class CaptureQueue extends EventEmitter<QueueEvents> {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly now: () => number;
  private readonly statements = new Map<string, StatementSync>();
  private readonly readOnly: boolean;
  /** A read-only connection for select(): SQL text from other modules can then never write. */
  private adHoc: { db: DatabaseSync; statements: Map<string, StatementSync> } | undefined;
  private depth = 0;
  private durableCommitWanted = false;
  private readonly durability: 'full' | 'normal';
  private pending: QueueChange[] = [];
  /** Each file's per-destination uploads; the file's state summarises them. */
  readonly deliveries: DeliveryTable;
  /** Keeps the catalog and the review queue in step with `files`, off the capture path (writers only). */
  private readonly indexer: DerivedIndexer | undefined;
  private lastIndexingProblem: string | undefined;

  constructor(path: string, options: QueueOptions = {}) {
    super();
    this.path = path;
    this.now = options.now ?? Date.now;
    this.durability = options.durability ?? 'normal';
    this.readOnly = options.readOnly ?? false;
    this.deliveries = new DeliveryTable({
      sql: (text) => this.sql(text),
      record: (change) => this.record(change),
      now: () => this.now(),
      moveFile: (id, to, patch, detail, cause) => this.move(id, to, patch, detail, cause),
    });
    if (!options.readOnly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path, { readOnly: options.readOnly ?? false, timeout: 5000 });
    if (options.readOnly) return;
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec(`PRAGMA synchronous = ${this.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.exec('PRAGMA temp_store = MEMORY');
    this.db.exec(SCHEMA_SQL);
    this.migrate();
    this.indexer = new DerivedIndexer(this.db, {
      transaction: (fn) => this.transaction(fn),
      intervalMs: options.indexIntervalMs,
      onError: (error) => this.noteIndexingProblem(error),
    });
  }

  private migrate(): void {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
    const version = row ? Number(row.value) : 0;
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `The queue database ${this.path} was written by a newer Edge Capture (schema ${version}, this one knows ${SCHEMA_VERSION}). Upgrade Edge Capture or point dataDir elsewhere.`,
      );
    }
    if (version < 2) this.db.exec(BACKFILL_STATE_COUNTS_SQL);
    this.addMissingColumns();
    this.addDeliveries();
    migrateReview(this.db); // the review queue, corrections and their export state (review/schema.ts)
    migrateCatalog(this.db);
    if (version < SCHEMA_VERSION) {
      this.db
        .prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)")
        .run(String(SCHEMA_VERSION));
    }
  }

  /** Additive migrations: each column is added (and backfilled) only when the table lacks it. */
  private addMissingColumns(): void {
    const present = new Set(
      this.db
        .prepare('PRAGMA table_info(files)')
        .all()
        .map((column) => String(column.name)),
    );
    const missing = ADDED_COLUMNS.filter((column) => !present.has(column.name));
    if (missing.length > 0) {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        for (const column of missing) {
          this.db.exec(`ALTER TABLE files ADD COLUMN ${column.name} ${column.type}`);
          if (column.backfill) this.db.exec(column.backfill);
        }
        this.db.exec('COMMIT');
      } catch (error) {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    }
    this.db.exec(ADDED_INDEXES_SQL);
  }

  /** The deliveries table, added (and filled from files already on their way) when it is missing. */
  private addDeliveries(): void {
    const exists = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'")
      .get();
    if (exists) {
      this.db.exec(DELIVERIES_SQL);
      return;
    }
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.db.exec(DELIVERIES_SQL);
      this.db.exec(BACKFILL_DELIVERIES_SQL);
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * The connection itself, for modules that own tables in this database (review): they write only
   * their own tables, inside transaction(), so their rows commit with the files they are about.
   */
  get database(): DatabaseSync {
    return this.db;
  }

  /**
   * Indexes files changed since the last pass into the catalog and the review queue now, at most
   * maxRows (tests, benches, tools). No-op on a read-only queue.
   */
  catchUpIndexes(maxRows?: number): number {
    return this.indexer?.catchUp({ maxRows }) ?? 0;
  }

  /**
   * What readers call first (catalog searches, the review queue): indexes pending changes for at most
   * INDEX_ON_READ_MS, so a file captured a moment ago is findable. With a fileId, only when that file
   * has changes pending. No-op on a read-only queue.
   */
  indexBeforeRead(fileId?: number): number {
    if (!this.indexer || (fileId !== undefined && !this.indexer.isPending(fileId))) return 0;
    return this.indexer.catchUp({ budgetMs: INDEX_ON_READ_MS, batchRows: INDEX_ON_READ_ROWS });
  }

  /** A failed background indexing pass, noted once per message (the next change retries it). */
  private noteIndexingProblem(error: Error): void {
    if (error.message === this.lastIndexingProblem) return;
    this.lastIndexingProblem = error.message;
    try {
      this.note('problem', `catalog indexing: ${error.message}`);
    } catch {
      // The database itself is failing: the engine's own writes will report it.
    }
  }

  /** Files changed but not yet in the catalog and review indexes (0 on a read-only queue). */
  pendingIndexing(): number {
    return this.indexer?.pending() ?? 0;
  }

  close(): void {
    this.indexer?.stop();
    if (this.adHoc && this.adHoc.db !== this.db && this.adHoc.db.isOpen) this.adHoc.db.close();
    if (this.db.isOpen) this.db.close();
  }

  private sql(text: string): StatementSync {
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

  private flushChanges(): void {
    if (this.pending.length === 0) return;
    this.indexer?.schedule();
    const changes = this.pending;
    this.pending = [];
    this.emit('change', changes);
  }

  private record(change: Omit<QueueChange, 'seq' | 'at'>): void {
    const at = this.now();
    const result = this.sql(
      'INSERT INTO events (at, file_id, kind, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(at, change.fileId, change.kind, change.from ?? null, change.to ?? null, change.detail ?? null);
    this.pending.push({ ...change, seq: Number(result.lastInsertRowid), at });
    if (this.depth === 0) this.flushChanges();
  }

  /** Adds a complete file, or notices that a known one changed (it then goes back to `discovered`). */
  discover(file: DiscoveredFile): { id: number; outcome: DiscoverOutcome } {
    return this.transaction(() => {
      const existing = this.sql('SELECT id, size, mtime_ms, state FROM files WHERE abs_path = ?').get(
        file.absPath,
      );
      const now = this.now();
      if (!existing) {
        const result = this.sql(
          `INSERT INTO files (folder_id, rel_path, abs_path, size, mtime_ms, state, state_changed_at, discovered_at)
           VALUES (?, ?, ?, ?, ?, 'discovered', ?, ?)`,
        ).run(file.folderId, file.relPath, file.absPath, file.size, Math.floor(file.mtimeMs), now, now);
        const id = Number(result.lastInsertRowid);
        this.record({
          fileId: id,
          kind: 'discovered',
          to: 'discovered',
          relPath: file.relPath,
          folderId: file.folderId,
        });
        return { id, outcome: 'new' };
      }
      const id = Number(existing.id);
      const from = existing.state as FileState;
      const same =
        Number(existing.size) === file.size && Number(existing.mtime_ms) === Math.floor(file.mtimeMs);
      const reappeared = from === 'vanished' || from === 'removed';
      if (same && !reappeared) return { id, outcome: 'unchanged' };
      // The content changed (or the path was reused): forget the old facts and look again.
      this.resetToDiscovered(
        id,
        from,
        file,
        reappeared ? 'appeared again' : 'changed on disk; looking at it again',
      );
      return { id, outcome: 'changed' };
    });
  }

  /** Sends a known file back to `discovered` (its facts changed, e.g. a late sidecar). */
  revisit(id: number, detail: string): void {
    const current = this.get(id);
    if (!current) return;
    this.transaction(() => this.resetToDiscovered(id, current.state, current, detail));
  }

  private resetToDiscovered(
    id: number,
    from: FileState,
    file: { size: number; mtimeMs: number; relPath: string; folderId: string },
    detail: string,
  ): void {
    this.sql(
      `UPDATE files SET size = ?, mtime_ms = ?, state = 'discovered', state_changed_at = ?, sha256 = NULL,
         content_type = NULL, inspection = NULL, decision = NULL, rule = NULL, reason = NULL, object_key = NULL,
         attempts = 0, next_attempt_at = NULL, last_error = NULL, duplicate_of = NULL, upload = NULL,
         archived_path = NULL, sidecar = NULL, revision = revision + 1
       WHERE id = ?`,
    ).run(file.size, Math.floor(file.mtimeMs), this.now(), id);
    this.deliveries.followFile(id, from, 'discovered', {});
    this.record({
      fileId: id,
      kind: 'changed',
      from,
      to: 'discovered',
      relPath: file.relPath,
      folderId: file.folderId,
      detail,
    });
  }

  /** A file's state and revision: what a commit compares with what it inspected. */
  rowVersion(id: number): { state: FileState; revision: number } | undefined {
    const row = this.sql('SELECT state, revision FROM files WHERE id = ?').get(id);
    return row ? { state: row.state as FileState, revision: Number(row.revision) } : undefined;
  }

  /**
   * Stores predictions that arrived after the file was inspected (a late sidecar) with its inspection,
   * whatever its state, and records why in its history. Returns the updated inspection, or undefined
   * when the file has no inspection or nothing changed (a rescan offering the same sidecar again).
   */
  attachPredictions(
    id: number,
    found: { predictions?: Predictions; warnings: string[] },
    detail: string,
  ): Inspection | undefined {
    return this.transaction(() => {
      const row = this.sql('SELECT inspection, rel_path, folder_id, state FROM files WHERE id = ?').get(id);
      if (!row || row.inspection == null) return undefined;
      const inspection = JSON.parse(String(row.inspection)) as Inspection;
      const newWarnings = found.warnings.filter((warning) => !inspection.warnings.includes(warning));
      const samePredictions =
        !found.predictions || JSON.stringify(inspection.predictions) === JSON.stringify(found.predictions);
      if (samePredictions && newWarnings.length === 0) return undefined;
      // An unreadable or broken sidecar adds its warning and leaves predictions already known alone.
      if (found.predictions) inspection.predictions = found.predictions;
      inspection.warnings.push(...newWarnings);
      this.sql('UPDATE files SET inspection = ? WHERE id = ?').run(JSON.stringify(inspection), id);
      const state = row.state as FileState;
      this.record({
        fileId: id,
        kind: 'predictions',
        from: state,
        to: state,
        relPath: String(row.rel_path),
        folderId: String(row.folder_id),
        detail,
      });
      return inspection;
    });
  }

  get(id: number): FileRecord | undefined {
    const row = this.sql('SELECT * FROM files WHERE id = ?').get(id);
    return row ? rowToRecord(row) : undefined;
  }

  getByPath(absPath: string): FileRecord | undefined {
    const row = this.sql('SELECT * FROM files WHERE abs_path = ?').get(absPath);
    return row ? rowToRecord(row) : undefined;
  }

  /** What the queue knows of these paths (for scans: only new or changed files need work). */
  lookup(
    absPaths: readonly string[],
  ): Map<string, { id: number; size: number; mtimeMs: number; state: FileState }> {
    const found = new Map<string, { id: number; size: number; mtimeMs: number; state: FileState }>();
    for (let start = 0; start < absPaths.length; start += 500) {
      const chunk = absPaths.slice(start, start + 500);
      const sql = `SELECT id, abs_path, size, mtime_ms, state FROM files WHERE abs_path IN (${chunk.map(() => '?').join(',')})`;
      for (const row of this.sql(sql).all(...chunk)) {
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

  /** Paths under a folder in states where a vanished file still matters (reconciliation checks they exist). */
  activePaths(folderId: string): string[] {
    return this.sql(
      `SELECT abs_path FROM files WHERE folder_id = ? AND state IN ('discovered', 'inspected', 'queued', 'failed', 'held', 'quarantined', 'conflict')`,
    )
      .all(folderId)
      .map((row) => String(row.abs_path));
  }

  /** Files whose path starts with a prefix, e.g. the captures a late sidecar belongs to. */
  filesWithPrefix(absPrefix: string, limit = 20): FileRecord[] {
    return this.sql('SELECT * FROM files WHERE abs_path >= ? AND abs_path < ? LIMIT ?')
      .all(absPrefix, `${absPrefix}\uffff`, limit)
      .map(rowToRecord);
  }

  /** Moves a file to a new state; refuses moves the state machine does not allow. Returns the updated record. */
  transition(id: number, to: FileState, patch: FilePatch = {}, detail?: string): FileRecord {
    return this.transaction(() => {
      this.move(id, to, patch, detail);
      return this.get(id)!;
    });
  }

  /**
   * The state change itself, reading only what it needs (hot path: several per captured file). A move
   * with no `cause` comes from outside the upload flow (a decision, a person, the watcher): the file's
   * deliveries follow it. With a cause, it is the summary of a delivery's change.
   */
  private move(
    id: number,
    to: FileState,
    patch: FilePatch = {},
    detail?: string,
    cause?: DeliveryCause,
  ): void {
    const current = this.sql('SELECT state, rel_path, folder_id FROM files WHERE id = ?').get(id);
    if (!current) throw new Error(`No file with id ${id} in the queue`);
    const from = current.state as FileState;
    const relPath = String(current.rel_path);
    if (!canTransition(from, to)) throw new Error(`Illegal state change for ${relPath}: ${from} → ${to}`);
    const sets: string[] = [];
    const values: (string | number | null)[] = [];
    if (from !== to) {
      sets.push('state = ?', 'state_changed_at = ?');
      values.push(to, this.now());
    }
    for (const [key, column, convert] of PATCH_COLUMNS) {
      if (key in patch) {
        sets.push(`${column} = ?`);
        values.push(convert(patch[key]));
      }
    }
    if (sets.length > 0) this.sql(`UPDATE files SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
    if (from !== to || detail) {
      this.record({
        fileId: id,
        kind: 'state',
        from,
        to,
        relPath,
        folderId: String(current.folder_id),
        detail: detail ?? patch.reason ?? patch.lastError ?? undefined,
        ...(cause ? { destination: cause.destination, delivery: cause.delivery } : {}),
      });
    }
    if (cause) return;
    this.deliveries.followFile(id, from, to, patch);
    // Requeued, but every destination already has it: it is uploaded after all.
    if (to === 'queued' && from !== to && this.deliveries.summaryOf(id) === 'uploaded') {
      this.move(id, 'uploaded', {}, 'every destination already has it', {
        destination: '(all)',
        delivery: 'uploaded',
      });
    }
  }

  /** Stores what inspection found and moves the file to `inspected`. */
  saveInspection(id: number, inspection: Inspection): void {
    this.transaction(() => {
      this.sql('UPDATE files SET sha256 = ?, content_type = ?, inspection = ? WHERE id = ?').run(
        inspection.sha256,
        inspection.contentType,
        JSON.stringify(inspection),
        id,
      );
      this.move(id, 'inspected');
    });
  }

  /** Stores the decision and moves the file to the state its action calls for, in one step. */
  saveDecision(id: number, decision: Decision, to: FileState, extra: FilePatch = {}): void {
    this.transaction(() => {
      this.sql('UPDATE files SET decision = ?, rule = ?, priority = ? WHERE id = ?').run(
        JSON.stringify(decision),
        decision.rule,
        decision.priority,
        id,
      );
      this.move(id, to, { reason: decision.reason, objectKey: decision.objectKey ?? null, ...extra });
    });
  }

  /** The file at this path is gone from disk. Returns its record if that changed anything. */
  markVanished(absPath: string): FileRecord | undefined {
    return this.transaction(() => {
      const current = this.getByPath(absPath);
      // States with no move to `vanished` (unreadable, too_large) keep theirs: a throw here would
      // reach the watcher's event handler.
      if (!current || !vanishingMatters(current.state) || !canTransition(current.state, 'vanished')) {
        return undefined;
      }
      return this.transition(current.id, 'vanished', {
        reason: 'The file disappeared from the capture folder before it was uploaded',
      });
    });
  }

  /** Another file with this content that the core has or will get (for the duplicate policy). */
  findDuplicate(sha256: string, excludeId: number): FileRecord | undefined {
    const placeholders = DUPLICATE_SOURCES.map(() => '?').join(', ');
    const row = this.sql(
      `SELECT * FROM files WHERE sha256 = ? AND id != ? AND state IN (${placeholders}) ORDER BY id LIMIT 1`,
    ).get(sha256, excludeId, ...DUPLICATE_SOURCES);
    return row ? rowToRecord(row) : undefined;
  }

  /** Ids in a state, oldest first: the engine's work lists. */
  idsInState(state: FileState, limit = 10_000): number[] {
    return this.sql('SELECT id FROM files WHERE state = ? ORDER BY id LIMIT ?')
      .all(state, limit)
      .map((row) => Number(row.id));
  }

  /** Files in one or more states, page by page, newest or oldest first. */
  list(options: ListOptions = {}): Page<FileRecord> {
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
    const sql = `SELECT * FROM files ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id ${newest ? 'DESC' : 'ASC'} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...values, limit + 1);
    const items = rows.slice(0, limit).map(rowToRecord);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? String(last.id) : undefined };
  }

  /** How many files are in each state (every state present, zero when empty). */
  counts(): Record<FileState, number> {
    const counts = Object.fromEntries(FILE_STATES.map((state) => [state, 0])) as Record<FileState, number>;
    for (const row of this.sql('SELECT state, n FROM state_counts').all()) {
      counts[row.state as FileState] = Number(row.n);
    }
    return counts;
  }

  /** The file that has waited longest in a state that still needs work, if any. */
  oldestWaiting(): FileRecord | undefined {
    const row = this.sql(
      `SELECT * FROM files WHERE state IN ('discovered', 'inspected', 'queued', 'uploading', 'failed')
       ORDER BY state_changed_at LIMIT 1`,
    ).get();
    return row ? rowToRecord(row) : undefined;
  }

  /** Changes after `seq`, for a client catching up after a reconnect. */
  changesSince(seq: number, limit = 1000): QueueChange[] {
    return this.sql(
      `SELECT e.seq, e.at, e.file_id, e.kind, e.from_state, e.to_state, e.detail, f.rel_path, f.folder_id
       FROM events e LEFT JOIN files f ON f.id = e.file_id WHERE e.seq > ? ORDER BY e.seq LIMIT ?`,
    )
      .all(seq, limit)
      .map((row) => ({
        seq: Number(row.seq),
        at: Number(row.at),
        fileId: row.file_id == null ? null : Number(row.file_id),
        kind: String(row.kind),
        from: (row.from_state ?? undefined) as FileState | undefined,
        to: (row.to_state ?? undefined) as FileState | undefined,
        detail: row.detail == null ? undefined : String(row.detail),
        relPath: row.rel_path == null ? undefined : String(row.rel_path),
        folderId: row.folder_id == null ? undefined : String(row.folder_id),
      }));
  }

  /** A file's history, oldest first. */
  history(fileId: number): QueueChange[] {
    return this.sql('SELECT * FROM events WHERE file_id = ? ORDER BY seq')
      .all(fileId)
      .map((row) => ({
        seq: Number(row.seq),
        at: Number(row.at),
        fileId,
        kind: String(row.kind),
        from: (row.from_state ?? undefined) as FileState | undefined,
        to: (row.to_state ?? undefined) as FileState | undefined,
        detail: row.detail == null ? undefined : String(row.detail),
      }));
  }

  /** Records an engine-level event (start, stop, problems) in the same log as file changes. */
  note(kind: string, detail: string): void {
    this.record({ fileId: null, kind, detail });
  }

  recordRuleHit(rule: string, at: number): void {
    this.sql('INSERT INTO rule_hits (rule, at) VALUES (?, ?)').run(rule, at);
  }

  /** How many files a rule decided since a time: the rate caps' counter. */
  ruleHitsSince(rule: string, sinceMs: number): number {
    const row = this.sql('SELECT count(*) AS n FROM rule_hits WHERE rule = ? AND at >= ?').get(rule, sinceMs);
    return Number(row?.n ?? 0);
  }

  /** Keeps the log and the rate counters from growing forever. */
  prune(options: { keepEvents?: number; ruleHitsOlderThan?: number } = {}): void {
    const keep = options.keepEvents ?? 200_000;
    const cutoff = options.ruleHitsOlderThan ?? this.now() - 2 * 86_400_000;
    this.transaction(() => {
      this.sql('DELETE FROM events WHERE seq <= (SELECT max(seq) FROM events) - ?').run(keep);
      this.sql('DELETE FROM rule_hits WHERE at < ?').run(cutoff);
    });
  }

  /**
   * After a crash, uploads caught mid-way go back to the queue (their progress is kept for resume):
   * one destination's, or every destination's.
   */
  recoverInterrupted(destination?: string): number {
    return this.transaction(() => {
      const names =
        destination === undefined
          ? this.sql("SELECT DISTINCT destination FROM deliveries WHERE state = 'uploading'")
              .all()
              .map((row) => String(row.destination))
          : [destination];
      let n = 0;
      for (const name of names) n += this.deliveries.recoverInterrupted(name);
      return n;
    });
  }

  lastSeq(): number {
    const row = this.sql('SELECT max(seq) AS seq FROM events').get();
    return Number(row?.seq ?? 0);
  }

  /**
   * Read-only SQL for modules with their own queries (uploader, retention). Writes go through
   * transition() so the state machine and the change log stay in charge. The query runs on a
   * separate read-only connection, so `WITH x AS (…) DELETE …` fails instead of deleting; it sees
   * committed data only (not the caller's own transaction in progress).
   */
  select(sql: string, ...params: (string | number | null)[]): Record<string, unknown>[] {
    if (!/^\s*(SELECT|WITH)\b/i.test(sql)) throw new Error('CaptureQueue.select runs SELECT statements only');
    const reader = this.reader();
    // An in-memory queue has no second connection to open: its own refuses writes meanwhile.
    const guardOwn = reader.db === this.db && !this.readOnly;
    if (guardOwn) this.db.exec('PRAGMA query_only = ON');
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
      if (guardOwn) this.db.exec('PRAGMA query_only = OFF');
    }
  }

  /** The read-only connection, opened on first use; read-only and in-memory queues read through their own. */
  private reader(): { db: DatabaseSync; statements: Map<string, StatementSync> } {
    this.adHoc ??=
      this.readOnly || this.path === ':memory:'
        ? { db: this.db, statements: this.statements }
        : { db: new DatabaseSync(this.path, { readOnly: true, timeout: 5000 }), statements: new Map() };
    return this.adHoc;
  }

  getMeta(key: string): string | undefined {
    const row = this.sql('SELECT value FROM meta WHERE key = ?').get(key);
    return row ? String(row.value) : undefined;
  }

  setMeta(key: string, value: string): void {
    this.sql('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  deleteMeta(key: string): void {
    this.sql('DELETE FROM meta WHERE key = ?').run(key);
  }

  /**
   * transition() for hot paths that know which states they expect and need no record back: moves
   * the file only when it is in one of `from`, reads just its state, and says whether it moved.
   */
  moveIf(
    id: number,
    from: readonly FileState[],
    to: FileState,
    patch: FilePatch = {},
    detail?: string,
  ): boolean {
    return this.transaction(() => {
      const row = this.sql('SELECT state FROM files WHERE id = ?').get(id);
      if (!row || !from.includes(row.state as FileState)) return false;
      this.move(id, to, patch, detail);
      return true;
    });
  }
}
