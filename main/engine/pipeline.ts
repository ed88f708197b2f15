import { unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Decision } from '../../shared/decision.ts';
import type { Inspection } from '../../shared/inspection.ts';
import type { FileState, RuleAction } from '../../shared/status.ts';
import type { ResolvedConfig } from './config/types.ts';
import { STATE_FOR_FAILURE } from './inspect/errors.ts';
import { InspectFailure, type Inspector } from './inspect/index.ts';
import type { CaptureQueue } from './queue/queue.ts';
import type { DiscoveredFile, FileRecord } from './queue/types.ts';
import type { CompiledRules } from './rules/index.ts';

const STATE_FOR_ACTION: Record<RuleAction, FileState> = {
  upload: 'queued',
  skip: 'skipped',
  quarantine: 'quarantined',
  hold: 'held',
};

const BATCH = 256;
const ARRIVAL_WINDOW_MS = 5;
const INSPECT_CONCURRENCY = 16;

type Outcome =
  | { id: number; kind: 'inspected'; record: FileRecord; inspection: Inspection }
  | { id: number; kind: 'failed'; failure: InspectFailure }
  | { id: number; kind: 'gone' };

/**
 * Turns discovered files into decided ones: inspect (in parallel), then decide and store
 * every result of a batch in one transaction. Work is driven by ids, so after a crash the
 * engine only has to reload the ids still in `discovered`/`inspected`.
 */
export class Pipeline {
  private readonly work: number[] = [];
  private readonly queued = new Set<number>();
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private dropNew: () => boolean = () => false;
  private readonly toDelete: string[] = [];
  /** Set while the disk guard has paused capture. */
  paused = false;
  lastDecisionAt = 0;
  decidedCount = 0;

  private readonly config: ResolvedConfig;
  private readonly queue: CaptureQueue;
  private readonly inspector: Inspector;
  private readonly rules: CompiledRules;
  private readonly now: () => number;

  constructor(
    config: ResolvedConfig,
    queue: CaptureQueue,
    inspector: Inspector,
    rules: CompiledRules,
    now: () => number = Date.now,
  ) {
    this.config = config;
    this.queue = queue;
    this.inspector = inspector;
    this.rules = rules;
    this.now = now;
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
    this.intake(this.arrivals.splice(0));
  }

  /** Records complete files in the queue (one transaction) and schedules the new or changed ones. */
  intake(files: readonly DiscoveredFile[]): void {
    // While capture is paused new files stay on disk untouched; the scan after resuming finds them.
    if (files.length === 0 || this.paused) return;
    const ids: number[] = [];
    this.queue.transaction(() => {
      for (const file of files) {
        if (this.inspector.isSidecar(file.relPath)) {
          this.revisitOwnersOfSidecar(file, ids);
          continue;
        }
        const { id, outcome } = this.queue.discover(file);
        if (outcome !== 'unchanged') ids.push(id);
      }
    });
    for (const id of ids) this.enqueue(id);
  }

  /** A prediction sidecar that arrives after its capture was decided changes that capture's facts. */
  private revisitOwnersOfSidecar(sidecar: DiscoveredFile, ids: number[]): void {
    const stem = basename(sidecar.absPath).split('.')[0] ?? '';
    if (!stem) return;
    const prefix = join(dirname(sidecar.absPath), `${stem}.`);
    for (const owner of this.queue.filesWithPrefix(prefix)) {
      if (this.inspector.isSidecar(owner.relPath)) continue;
      if (this.inspector.sidecarPathFor(owner.absPath) !== sidecar.absPath) continue;
      if (!['skipped', 'held', 'queued', 'quarantined'].includes(owner.state)) continue;
      if (owner.inspection?.predictions) continue;
      this.queue.revisit(owner.id, 'its prediction sidecar arrived; deciding again');
      ids.push(owner.id);
    }
  }

  /** While this returns true (disk guard, policy drop-newest) new captures are dropped, not queued. */
  setDropNew(check: () => boolean): void {
    this.dropNew = check;
  }

  /** Schedules a file that is in `discovered` for inspection (idempotent). */
  schedule(id: number): void {
    this.enqueue(id);
  }

  private enqueue(id: number): void {
    if (this.queued.has(id)) return;
    this.queued.add(id);
    this.work.push(id);
    if (!this.running && !this.stopped) this.running = this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves once everything scheduled so far is decided. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
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

  private async drain(): Promise<void> {
    while (this.work.length > 0 && !this.stopped) {
      const ids = this.work.splice(0, BATCH);
      for (const id of ids) this.queued.delete(id);
      const outcomes = await this.inspectAll(ids);
      this.commit(outcomes);
      // Let watcher events and timers in between batches.
      await new Promise((resolve) => setImmediate(resolve));
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
    await Promise.all(Array.from({ length: Math.min(INSPECT_CONCURRENCY, ids.length) }, worker));
    return outcomes;
  }

  private async inspectOne(id: number): Promise<Outcome> {
    const record = this.queue.get(id);
    if (!record || (record.state !== 'discovered' && record.state !== 'inspected'))
      return { id, kind: 'gone' };
    if (record.state === 'inspected' && record.inspection) {
      return { id, kind: 'inspected', record, inspection: record.inspection };
    }
    try {
      const inspection = await this.inspector.inspect(record);
      return { id, kind: 'inspected', record, inspection };
    } catch (error) {
      if (error instanceof InspectFailure) return { id, kind: 'failed', failure: error };
      return {
        id,
        kind: 'failed',
        failure: new InspectFailure('unreadable', `Inspection failed: ${String(error)}`),
      };
    }
  }

  private commit(outcomes: readonly Outcome[]): void {
    const retry: number[] = [];
    this.queue.transaction(() => {
      for (const outcome of outcomes) {
        if (outcome.kind === 'gone') continue;
        if (outcome.kind === 'failed') {
          this.recordFailure(outcome.id, outcome.failure, retry);
          continue;
        }
        if (outcome.record.state === 'discovered') this.queue.saveInspection(outcome.id, outcome.inspection);
        this.decideOne(outcome.record, outcome.inspection);
      }
    });
    for (const path of this.toDelete.splice(0)) void unlink(path).catch(() => undefined);
    for (const id of retry) {
      // A file that changed while being read gets a fresh look once it has had time to settle.
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.enqueue(id);
      }, this.settleDelay(id));
      this.retryTimers.add(timer);
    }
  }

  private settleDelay(id: number): number {
    const record = this.queue.get(id);
    const folder = this.config.folders.find((f) => f.id === record?.folderId);
    return Math.max(folder?.stableWindowMs ?? 1000, 100);
  }

  private recordFailure(id: number, failure: InspectFailure, retry: number[]): void {
    if (failure.kind === 'changed') {
      retry.push(id);
      return;
    }
    const state = STATE_FOR_FAILURE[failure.kind];
    this.queue.transition(id, state, { reason: failure.message, lastError: failure.message });
  }

  private decideOne(record: FileRecord, inspection: Inspection): void {
    const now = this.now();
    const decision = this.rules.decide(
      {
        folderId: record.folderId,
        relPath: record.relPath,
        absPath: record.absPath,
        device: this.deviceFor(record.folderId),
        inspection,
      },
      { now: new Date(now), rates: { count: (rule, since) => this.queue.ruleHitsSince(rule, since) } },
    );
    const duplicate =
      decision.action === 'upload' && this.config.duplicatePolicy !== 'upload'
        ? this.queue.findDuplicate(inspection.sha256, record.id)
        : undefined;
    if (decision.action === 'upload' && this.dropNew()) {
      const reason = 'Dropped: the capture disk is full and the disk guard policy is drop-newest';
      this.queue.saveDecision(record.id, { ...decision, reason }, 'skipped');
      this.toDelete.push(record.absPath);
    } else if (duplicate) {
      const to: FileState = this.config.duplicatePolicy === 'hold' ? 'held' : 'skipped';
      const reason = `Same content as ${duplicate.relPath} (${duplicate.state}); not uploaded twice`;
      this.queue.saveDecision(record.id, { ...decision, reason }, to, { duplicateOf: duplicate.id });
    } else {
      this.queue.saveDecision(record.id, decision, STATE_FOR_ACTION[decision.action]);
      if (this.ruleHasRateCap(decision)) this.queue.recordRuleHit(decision.rule, now);
    }
    this.lastDecisionAt = now;
    this.decidedCount++;
  }

  private ruleHasRateCap(decision: Decision): boolean {
    const rule = this.config.rules[decision.ruleIndex];
    return Boolean(rule?.rate);
  }

  private deviceFor(folderId: string): string {
    return this.config.folders.find((folder) => folder.id === folderId)?.device ?? this.config.device;
  }
}
