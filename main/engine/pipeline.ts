import type { Inspection } from '../../shared/inspection.ts';
import type { FileState } from '../../shared/status.ts';
import type { ResolvedConfig } from './config/types.ts';
import { Decider } from './decider.ts';
import { STATE_FOR_FAILURE } from './inspect/errors.ts';
import { InspectFailure, type Inspector } from './inspect/index.ts';
import { LatePredictions } from './late-predictions.ts';
import type { CaptureQueue } from './queue/queue.ts';
import type { DiscoveredFile, InspectionTarget } from './queue/types.ts';
import type { CompiledRules } from './rules/index.ts';

const BATCH = 256;
const ARRIVAL_WINDOW_MS = 5;
/** A batch or a row the queue could not store is tried again after this, doubling up to the cap. */
const COMMIT_RETRY_MS = 5_000;
const COMMIT_RETRY_CAP_MS = 10 * 60_000;

/** The row as it was when its inspection started: the commit refuses to apply a look at an older file. */
interface Seen {
  state: FileState;
  revision: number;
}

type Outcome =
  | { id: number; kind: 'inspected'; seen: Seen; record: InspectionTarget; inspection: Inspection }
  | { id: number; kind: 'failed'; seen: Seen; failure: InspectFailure }
  | { id: number; kind: 'gone' };

export interface PipelineOptions {
  now?: () => number;
  /** Problems the operator should see (a batch or row the queue refused); nothing here throws. */
  report?: (message: string) => void;
}

/**
 * Turns discovered files into decided ones: inspect (in parallel), then decide and store
 * every result of a batch in one transaction. Work is driven by ids, so after a crash the
 * engine only has to reload the ids still in `discovered`/`inspected`.
 */
export class Pipeline {
  private readonly work: number[] = [];
  private readonly queued = new Set<number>();
  /** Ids taken from `work` whose results are not committed yet. */
  private readonly inFlight = new Set<number>();
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly commitFailures = new Map<number, number>();
  /** Set while the disk guard has paused capture. */
  paused = false;

  private config: ResolvedConfig;
  private readonly queue: CaptureQueue;
  private readonly inspector: Inspector;
  private readonly decider: Decider;
  private readonly late: LatePredictions;
  private readonly report: (message: string) => void;

  constructor(
    config: ResolvedConfig,
    queue: CaptureQueue,
    inspector: Inspector,
    rules: CompiledRules,
    options: PipelineOptions = {},
  ) {
    this.config = config;
    this.queue = queue;
    this.inspector = inspector;
    this.report = options.report ?? (() => {});
    this.decider = new Decider(config, queue, rules, options.now ?? Date.now);
    this.late = new LatePredictions(queue, inspector, this.decider, {
      inFlight: (id) => this.inFlight.has(id),
      reinspect: (id) => this.enqueue(id),
      report: this.report,
    });
  }

  get lastDecisionAt(): number {
    return this.decider.lastDecisionAt;
  }

  get decidedCount(): number {
    return this.decider.decidedCount;
  }

  /** Reloads unfinished work after a restart. */
  resume(): void {
    for (const state of ['discovered', 'inspected'] as const) {
      for (const id of this.queue.idsInState(state, Number.MAX_SAFE_INTEGER)) this.enqueue(id);
    }
  }

  private readonly arrivals: DiscoveredFile[] = [];
  private arrivalTimer?: NodeJS.Timeout;

  /**
   * Takes one file from the watcher. Arrivals are gathered for a few milliseconds and recorded in
   * one transaction: one fsync per burst instead of one per file.
   */
  offer(file: DiscoveredFile): void {
    this.arrivals.push(file);
    if (this.arrivals.length >= BATCH) this.flushArrivals();
    else this.arrivalTimer ??= setTimeout(() => this.flushArrivals(), ARRIVAL_WINDOW_MS);
  }

  private flushArrivals(): void {
    if (this.arrivalTimer) clearTimeout(this.arrivalTimer);
    this.arrivalTimer = undefined;
    const files = this.arrivals.splice(0);
    try {
      this.intake(files);
    } catch (error) {
      // Not recorded (the transaction rolled back); the files are still on disk: try again shortly.
      this.report(`Could not record ${files.length} new files: ${messageOf(error)}; trying again in 5 s`);
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        for (const file of files) this.offer(file);
      }, COMMIT_RETRY_MS);
      this.retryTimers.add(timer);
    }
  }

  /** Records complete files in the queue (one transaction) and schedules the new or changed ones. */
  intake(files: readonly DiscoveredFile[]): void {
    // While capture is paused new files stay on disk untouched; the scan after resuming finds them.
    if (files.length === 0 || this.paused) return;
    const ids: number[] = [];
    this.queue.transaction(() => {
      for (const file of files) {
        if (this.inspector.isSidecar(file.relPath)) {
          this.late.notice(file);
          continue;
        }
        const { id, outcome } = this.queue.discover(file);
        if (outcome !== 'unchanged') ids.push(id);
      }
    });
    for (const id of ids) this.enqueue(id);
    this.late.flush();
  }

  /** A live config change: folders (settle times, devices) and the duplicate policy for files from now on. */
  setConfig(config: ResolvedConfig): void {
    this.config = config;
    this.decider.setConfig(config);
  }

  /** Swaps the compiled rules: files decided from now on use these. */
  setRules(rules: CompiledRules): void {
    this.decider.setRules(rules);
  }

  /** While this returns true (disk guard, policy drop-newest) new captures are dropped, not queued. */
  setDropNew(check: () => boolean): void {
    this.decider.setDropNew(check);
  }

  /** Schedules a file that is in `discovered` for inspection (idempotent). */
  schedule(id: number): void {
    this.enqueue(id);
  }

  private enqueue(id: number): void {
    if (this.queued.has(id)) return;
    this.queued.add(id);
    this.work.push(id);
    // Started after the current task, so a whole intake lands in one batch (one transaction).
    if (!this.running && !this.stopped) {
      this.running = Promise.resolve()
        .then(() => this.drain())
        .finally(() => (this.running = undefined));
    }
  }

  /** Resolves once everything scheduled so far is decided. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
    await this.late.idle();
  }

  async stop(): Promise<void> {
    this.flushArrivals();
    this.stopped = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    await this.idle();
  }

  get backlog(): number {
    return this.work.length;
  }

  /**
   * Never rejects: a batch the queue refuses is reported and tried again later. The next batch is
   * already being read (by the inspection workers) while this one is committed, so both cores work.
   */
  private async drain(): Promise<void> {
    let current = this.startBatch();
    while (current) {
      const outcomes = await current.outcomes;
      const next = this.stopped ? undefined : this.startBatch();
      this.commitBatch(current.ids, outcomes);
      // Let watcher events and timers in between batches.
      await new Promise((resolve) => setImmediate(resolve));
      current = next ?? (this.stopped ? undefined : this.startBatch());
    }
  }

  /** Takes the next batch off the work list and starts inspecting it. */
  private startBatch(): { ids: number[]; outcomes: Promise<Outcome[] | Error> } | undefined {
    if (this.work.length === 0) return undefined;
    const ids = this.work.splice(0, BATCH);
    for (const id of ids) {
      this.queued.delete(id);
      this.inFlight.add(id);
    }
    const outcomes = this.inspectAll(ids).catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    );
    return { ids, outcomes };
  }

  private commitBatch(ids: number[], outcomes: Outcome[] | Error): void {
    try {
      if (outcomes instanceof Error) throw outcomes;
      this.commit(outcomes);
    } catch (error) {
      // Nothing of the batch was stored (the transaction rolled back): the files keep their state.
      this.report(
        `Could not record the decisions for ${ids.length} files: ${messageOf(error)}; trying again in ${COMMIT_RETRY_MS / 1000} s`,
      );
      this.retryLater(ids, COMMIT_RETRY_MS);
    } finally {
      for (const id of ids) this.inFlight.delete(id);
    }
  }

  private async inspectAll(ids: number[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = new Array(ids.length);
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const index = next++;
        outcomes[index] = await this.inspectOne(ids[index]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.inspector.parallel, ids.length) }, worker));
    return outcomes;
  }

  private async inspectOne(id: number): Promise<Outcome> {
    const record = this.queue.inspectionTarget(id);
    if (!record || (record.state !== 'discovered' && record.state !== 'inspected'))
      return { id, kind: 'gone' };
    const seen: Seen = { state: record.state, revision: record.revision };
    if (record.state === 'inspected' && record.inspection) {
      return { id, kind: 'inspected', seen, record, inspection: record.inspection };
    }
    try {
      const inspection = await this.inspector.inspect(record);
      return { id, kind: 'inspected', seen, record, inspection };
    } catch (error) {
      if (error instanceof InspectFailure) return { id, kind: 'failed', seen, failure: error };
      const failure = new InspectFailure('unreadable', `Inspection failed: ${String(error)}`);
      return { id, kind: 'failed', seen, failure };
    }
  }

  /**
   * Stores a batch in one transaction. Each row is applied only if it is still as it was when
   * inspected (it may have vanished, been rewritten or got its sidecar meanwhile), as a savepoint:
   * a row the queue refuses is reported and retried alone.
   */
  private commit(outcomes: readonly Outcome[]): void {
    const settleLater: number[] = [];
    const lookAgain: number[] = [];
    const refused: { id: number; error: Error }[] = [];
    this.queue.transaction(() => {
      for (const outcome of outcomes) {
        if (outcome.kind === 'gone') continue;
        // A failed look is checked first; a decided one is written only if the row is unchanged.
        if (outcome.kind === 'failed' && this.isStale(outcome, lookAgain)) continue;
        let stored = true;
        const error = this.queue.savepoint(() => {
          stored = this.apply(outcome, settleLater);
        });
        if (error) refused.push({ id: outcome.id, error });
        else this.commitFailures.delete(outcome.id);
        if (!error && !stored) this.isStale(outcome, lookAgain);
      }
    });
    this.decider.deleteDropped();
    for (const id of lookAgain) this.enqueue(id);
    for (const { id, error } of refused) this.reportRefusedRow(id, error);
    // A file that changed while being read gets a fresh look once it has had time to settle.
    for (const id of settleLater) this.retryLater([id], this.settleDelay(id));
  }

  /** The row moved on since it was inspected: a vanished file keeps `vanished`, a changed one is looked at again. */
  private isStale(outcome: Exclude<Outcome, { kind: 'gone' }>, lookAgain: number[]): boolean {
    const now = this.queue.rowVersion(outcome.id);
    if (!now) return true;
    if (now.state === outcome.seen.state && now.revision === outcome.seen.revision) return false;
    if (now.state === 'discovered' || now.state === 'inspected') lookAgain.push(outcome.id);
    return true;
  }

  /** Returns false when nothing was written because the row changed since it was inspected. */
  private apply(outcome: Exclude<Outcome, { kind: 'gone' }>, settleLater: number[]): boolean {
    if (outcome.kind === 'failed') {
      if (outcome.failure.kind === 'changed') settleLater.push(outcome.id);
      else {
        const { message } = outcome.failure;
        this.queue.transition(outcome.id, STATE_FOR_FAILURE[outcome.failure.kind], {
          reason: message,
          lastError: message,
        });
      }
      return true;
    }
    const { record, inspection, seen } = outcome;
    const verdict = this.decider.verdict(record, inspection);
    const stored = this.queue.storeInspected({
      id: record.id,
      relPath: record.relPath,
      folderId: record.folderId,
      seen,
      inspection,
      decision: verdict.decision,
      to: verdict.to,
      extra: verdict.extra,
    });
    if (stored) this.decider.decided(verdict, record);
    return stored;
  }

  private reportRefusedRow(id: number, error: Error): void {
    const failures = (this.commitFailures.get(id) ?? 0) + 1;
    this.commitFailures.set(id, failures);
    const delay = Math.min(COMMIT_RETRY_MS * 2 ** (failures - 1), COMMIT_RETRY_CAP_MS);
    const path = this.queue.get(id)?.relPath ?? `file ${id}`;
    const message = `Could not record the decision for ${path}: ${error.message}; it keeps its state and is tried again in ${Math.round(delay / 1000)} s`;
    try {
      this.queue.note('problem', message);
    } catch {
      // The queue refuses even the note: the report below still reaches the operator.
    }
    this.report(message);
    this.retryLater([id], delay);
  }

  private retryLater(ids: readonly number[], delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      for (const id of ids) this.enqueue(id);
    }, delayMs);
    this.retryTimers.add(timer);
  }

  private settleDelay(id: number): number {
    const record = this.queue.get(id);
    const folder = this.config.folders.find((f) => f.id === record?.folderId);
    return Math.max(folder?.stableWindowMs ?? 1000, 100);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
