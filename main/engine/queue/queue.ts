import type { Decision } from '../../../shared/decision.ts';
import type { Inspection, Predictions } from '../../../shared/inspection.ts';
import type { FileState } from '../../../shared/status.ts';
import { DerivedIndexer, INDEX_ON_READ_MS, INDEX_ON_READ_ROWS } from '../catalog/indexer.ts';
import { QueueConnection, type QueueOptions } from './connection.ts';
import { DeliveryTable } from './deliveries.ts';
import {
  changesSince,
  fileHistory,
  type KnownFile,
  listFiles,
  lookupPaths,
  stateCounts,
} from './file-queries.ts';
import {
  attachPredictions,
  discoverFile,
  type FileWriteHost,
  type InspectedFile,
  moveFile,
  resetToDiscovered,
  storeInspected,
} from './file-writes.ts';
import { rowToRecord } from './rows.ts';
import { canTransition, vanishingMatters } from './transitions.ts';
import type {
  DiscoveredFile,
  DiscoverOutcome,
  FilePatch,
  FileRecord,
  InspectionTarget,
  ListOptions,
  Page,
  QueueChange,
} from './types.ts';

export type { QueueOptions } from './connection.ts';

/** States where a file that vanished from disk still matters: reconciliation checks they exist. */
export const VANISH_CHECKED: readonly FileState[] = [
  'discovered',
  'inspected',
  'queued',
  'failed',
  'held',
  'quarantined',
  'conflict',
];

/** States that still hold a copy the core has or will get: used for duplicate detection. */
const DUPLICATE_SOURCES: readonly FileState[] = ['queued', 'uploading', 'uploaded', 'retained', 'removed'];

/**
 * The durable queue: one row per captured file, its state machine, and an append-only
 * change log. SQLite in WAL mode is the single source of truth; everything the engine
 * knows about a file is written here before anyone else is told.
 *
 * The connection, transactions and change events are in connection.ts; the writes themselves in
 * file-writes.ts and the larger queries in file-queries.ts. Every public write opens its
 * transaction here.
 */
export class CaptureQueue extends QueueConnection {
  /** Each file's per-destination uploads; the file's state summarises them. */
  readonly deliveries: DeliveryTable;
  /** Keeps the catalog and the review queue in step with `files`, off the capture path (writers only). */
  private readonly indexer: DerivedIndexer | undefined;
  private lastIndexingProblem: string | undefined;
  private readonly writes: FileWriteHost;

  constructor(path: string, options: QueueOptions = {}) {
    super(path, options);
    this.deliveries = new DeliveryTable({
      sql: (text) => this.sql(text),
      record: (change) => this.record(change),
      now: () => this.now(),
      moveFile: (id, to, patch, detail, cause) => moveFile(this.writes, id, to, patch, detail, cause),
    });
    this.writes = {
      sql: (text) => this.sql(text),
      record: (change) => this.record(change),
      now: () => this.now(),
      deliveries: this.deliveries,
    };
    if (this.readOnly) return;
    this.indexer = new DerivedIndexer(this.db, {
      transaction: (fn) => this.transaction(fn),
      intervalMs: options.indexIntervalMs,
      onError: (error) => this.noteIndexingProblem(error),
    });
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

  /** Files changed but not yet in the catalog and review indexes (0 on a read-only queue). */
  pendingIndexing(): number {
    return this.indexer?.pending() ?? 0;
  }

  override close(): void {
    this.indexer?.stop();
    super.close();
  }

  protected override changesCommitted(): void {
    this.indexer?.schedule();
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

  // Writes: each in one transaction; the state machine (transitions.ts) refuses illegal moves.

  /** Adds a complete file, or notices that a known one changed (it then goes back to `discovered`). */
  discover(file: DiscoveredFile): { id: number; outcome: DiscoverOutcome } {
    return this.transaction(() => discoverFile(this.writes, file));
  }

  /** Sends a known file back to `discovered` (its facts changed, e.g. a late sidecar). */
  revisit(id: number, detail: string): void {
    const current = this.get(id);
    if (!current) return;
    this.transaction(() => resetToDiscovered(this.writes, id, current.state, current, detail));
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
    return this.transaction(() => attachPredictions(this.writes, id, found, detail));
  }

  /** Moves a file to a new state; refuses moves the state machine does not allow. Returns the updated record. */
  transition(id: number, to: FileState, patch: FilePatch = {}, detail?: string): FileRecord {
    return this.transaction(() => {
      moveFile(this.writes, id, to, patch, detail);
      return this.get(id)!;
    });
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
      moveFile(this.writes, id, to, patch, detail);
      return true;
    });
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
      moveFile(this.writes, id, 'inspected');
    });
  }

  /**
   * The pipeline's commit of one inspected file: its inspection (if still `discovered`) and decision
   * in one write, only while the row is as it was inspected. Returns false, writing nothing, otherwise.
   */
  storeInspected(file: InspectedFile): boolean {
    return this.transaction(() => storeInspected(this.writes, file));
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
      moveFile(this.writes, id, to, {
        reason: decision.reason,
        objectKey: decision.objectKey ?? null,
        ...extra,
      });
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

  // Reads.

  get(id: number): FileRecord | undefined {
    const row = this.sql('SELECT * FROM files WHERE id = ?').get(id);
    return row ? rowToRecord(row) : undefined;
  }

  /**
   * What the pipeline needs of a file it is about to inspect: where it is, its state and revision,
   * and its inspection if stored. Narrower than get() (no full record to build for every file).
   */
  inspectionTarget(id: number): InspectionTarget | undefined {
    const row = this.sql(
      'SELECT folder_id, rel_path, abs_path, state, revision, inspection FROM files WHERE id = ?',
    ).get(id);
    if (!row) return undefined;
    return {
      id,
      folderId: String(row.folder_id),
      relPath: String(row.rel_path),
      absPath: String(row.abs_path),
      state: row.state as FileState,
      revision: Number(row.revision ?? 0),
      inspection: row.inspection == null ? undefined : (JSON.parse(String(row.inspection)) as Inspection),
    };
  }

  getByPath(absPath: string): FileRecord | undefined {
    const row = this.sql('SELECT * FROM files WHERE abs_path = ?').get(absPath);
    return row ? rowToRecord(row) : undefined;
  }

  /** A file's state and revision: what a commit compares with what it inspected. */
  rowVersion(id: number): { state: FileState; revision: number } | undefined {
    const row = this.sql('SELECT state, revision FROM files WHERE id = ?').get(id);
    return row ? { state: row.state as FileState, revision: Number(row.revision) } : undefined;
  }

  /** What the queue knows of these paths (for scans: only new or changed files need work). */
  lookup(absPaths: readonly string[]): Map<string, KnownFile> {
    return lookupPaths((text) => this.sql(text), absPaths);
  }

  /**
   * Files of a folder in states where a vanished file still matters (reconciliation checks they
   * exist), `pageSize` at a time: each page is its own query (index order: state, priority, id), so
   * nothing stays open while the caller awaits between pages, and a queue of a million such files
   * never sits in memory at once. Rows that change state meanwhile may be missed or seen once more.
   */
  *activeFiles(folderId: string, pageSize = 1000): Generator<{ id: number; absPath: string }[]> {
    const nextPriority = this.sql(
      'SELECT priority FROM files WHERE state = ? AND priority < ? ORDER BY priority DESC LIMIT 1',
    );
    const page = this.sql(
      'SELECT id, abs_path FROM files WHERE state = ? AND priority = ? AND id > ? AND folder_id = ? ORDER BY id LIMIT ?',
    );
    for (const state of VANISH_CHECKED) {
      let priority = nextPriority.get(state, Number.MAX_SAFE_INTEGER)?.priority;
      while (priority != null) {
        let afterId = 0;
        for (;;) {
          const rows = page.all(state, priority, afterId, folderId, pageSize);
          if (rows.length > 0)
            yield rows.map((row) => ({ id: Number(row.id), absPath: String(row.abs_path) }));
          if (rows.length < pageSize) break;
          afterId = Number(rows.at(-1)!.id);
        }
        priority = nextPriority.get(state, priority)?.priority;
      }
    }
  }

  /** Files whose path starts with a prefix, e.g. the captures a late sidecar belongs to. */
  filesWithPrefix(absPrefix: string, limit = 20): FileRecord[] {
    return this.sql('SELECT * FROM files WHERE abs_path >= ? AND abs_path < ? LIMIT ?')
      .all(absPrefix, `${absPrefix}\uffff`, limit)
      .map(rowToRecord);
  }

  /** Another file with this content that the core has or will get (for the duplicate policy). */
  findDuplicate(sha256: string, excludeId: number): FileRecord | undefined {
    // Most files have no twin: this probe costs 2 µs, the query below 14–16 µs even when it finds
    // nothing (SQLite builds a temporary index for the IN list at every run; 20,000 rows, 2 cores).
    if (!this.sql('SELECT 1 FROM files WHERE sha256 = ? AND id != ? LIMIT 1').get(sha256, excludeId)) {
      return undefined;
    }
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
    return listFiles(this.db, options);
  }

  /** How many files are in each state (every state present, zero when empty). */
  counts(): Record<FileState, number> {
    return stateCounts((text) => this.sql(text));
  }

  /** The file that has waited longest in a state that still needs work, if any. */
  oldestWaiting(): FileRecord | undefined {
    const row = this.sql(
      `SELECT * FROM files WHERE state IN ('discovered', 'inspected', 'queued', 'uploading', 'failed')
       ORDER BY state_changed_at LIMIT 1`,
    ).get();
    return row ? rowToRecord(row) : undefined;
  }

  // The change log, engine notes, rate counters and settings kept in the database.

  /** Changes after `seq`, for a client catching up after a reconnect. */
  changesSince(seq: number, limit = 1000): QueueChange[] {
    return changesSince((text) => this.sql(text), seq, limit);
  }

  /** A file's history, oldest first. */
  history(fileId: number): QueueChange[] {
    return fileHistory((text) => this.sql(text), fileId);
  }

  lastSeq(): number {
    const row = this.sql('SELECT max(seq) AS seq FROM events').get();
    return Number(row?.seq ?? 0);
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
}
