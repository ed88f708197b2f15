import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { ResolvedConfig } from './config/types.ts';
import { createInspector, type Inspector } from './inspect/index.ts';
import { defaultInspectWorkers } from './inspect/worker-pool.ts';
import type { LinkMemory } from './link-memory.ts';
import { acquireDataDirLock } from './lock.ts';
import { Pipeline } from './pipeline.ts';
import { CaptureQueue } from './queue/queue.ts';
import type { QueueChange } from './queue/types.ts';
import { Reconciler } from './reconcile.ts';
import { applyConfig, diffConfigs, type LiveParts, RestartRequired } from './reconfigure.ts';
import type { RetentionStatus } from './retention/index.ts';
import { ReviewService } from './review/index.ts';
import { type CompiledRules, compileRules } from './rules/index.ts';
import {
  type OperatorPause,
  readOperatorPause,
  takeBandwidthRequest,
  writeOperatorPause,
} from './runtime-requests.ts';
import { Transfer } from './transfer.ts';
import type { DestinationStatus } from './upload/fan-out.ts';
import type { UploaderStatus } from './upload/uploader.ts';
import { BurstDetector, type BurstOptions } from './watch/burst.ts';
import { CaptureWatcher, type WatchProblem } from './watch/index.ts';

export interface EngineProblem extends WatchProblem {
  at: number;
}

export interface FolderStatus {
  id: string;
  path: string;
  problem?: EngineProblem;
}

interface EngineEvents {
  change: [QueueChange[]];
  /** Upload connectivity changed (online/offline/paused), or capture was paused/resumed by the disk guard. */
  status: [];
  problem: [EngineProblem];
  /** The catch-up scan at start finished: everything that was already on disk is known. */
  caughtUp: [];
}

export interface EngineOptions {
  now?: () => number;
  /** Use an already open queue (tests, benchmarks); otherwise `<dataDir>/queue.db`. */
  queue?: CaptureQueue;
  /** false: capture only (watch → decide → queue), no uploader or retention. The capture benchmark uses it. */
  transfer?: boolean;
  /** Inspection worker threads (0: inspect on the main thread). Default: one per core, at most 4. */
  inspectWorkers?: number;
  /** When a burst of arrivals is over, every folder is scanned for files whose events were dropped (see watch/burst.ts). */
  burst?: BurstOptions;
}

export const HEARTBEAT_MS = 2000;

/** The folderId of problems that concern the engine itself rather than one capture folder. */
export const ENGINE_PROBLEMS = '(engine)';

/**
 * The capture engine: watch → inspect → decide → durable queue. Plain Node (no Electron),
 * so the CLI, the desktop app's utility process and the tests all run the same code.
 */
export class CaptureEngine extends EventEmitter<EngineEvents> {
  private current: ResolvedConfig;
  readonly queue: CaptureQueue;
  /** Reviewing: the review queue, corrections, held decisions, agreement, the corrections exporter. */
  readonly review: ReviewService;
  private readonly now: () => number;
  private readonly ownsQueue: boolean;
  private readonly transfer: boolean;
  private readonly inspectWorkers: number;
  private inspector?: Inspector;
  private rules?: CompiledRules;
  private pipeline?: Pipeline;
  private watcher?: CaptureWatcher;
  private reconciler?: Reconciler;
  private readonly burstOptions: BurstOptions | undefined;
  private burst?: BurstDetector;
  private heartbeat?: NodeJS.Timeout;
  private releaseLock?: () => void;
  /** One uploader per destination, and local retention. */
  private transferParts?: Transfer;
  /** Live config changes, one at a time. */
  private reconfiguring: Promise<unknown> = Promise.resolve();
  /** Set by the disk guard: new files are left on disk until there is room again. */
  capturePausedReason?: string;
  private readonly problems = new Map<string, EngineProblem>();
  startedAt = 0;
  caughtUp = false;

  constructor(config: ResolvedConfig, options: EngineOptions = {}) {
    super();
    this.current = config;
    this.now = options.now ?? Date.now;
    this.ownsQueue = !options.queue;
    this.transfer = options.transfer ?? true;
    this.inspectWorkers = options.inspectWorkers ?? defaultInspectWorkers();
    this.burstOptions = options.burst;
    this.releaseLock = acquireDataDirLock(config.dataDir);
    this.queue =
      options.queue ?? new CaptureQueue(queuePath(config), { durability: config.durability, now: this.now });
    this.queue.on('change', (changes) => this.emit('change', changes));
    this.review = new ReviewService(this.queue, { config, now: this.now });
    this.review.on('problem', (message) => this.queue.note('problem', `review export: ${message}`));
  }

  async start(): Promise<void> {
    this.startedAt = this.now();
    // A limit set at run time lasts until restart; the config's limit applies from start.
    this.bandwidthRequestSeenAt = this.startedAt;
    this.rules = compileRules(this.config);
    this.inspector = await createInspector(this.config.inspect, {
      folders: this.config.folders,
      workers: this.inspectWorkers,
    });
    this.pipeline = new Pipeline(this.config, this.queue, this.inspector, this.rules, {
      now: this.now,
      report: (message) => this.recordUnexpected('pipeline', message),
    });
    this.queue.note('engine-started', `pid ${process.pid}`);
    if (this.transfer) this.startTransfer();
    this.pipeline.resume();
    // Files sent back to `discovered` by others (the uploader saw a change mid-upload) need a fresh look.
    this.queue.on('change', (changes) => {
      for (const change of changes) {
        if (change.kind === 'changed' && change.to === 'discovered' && change.fileId !== null) {
          this.pipeline?.schedule(change.fileId);
        }
      }
    });

    this.watcher = new CaptureWatcher(this.config.folders, { now: this.now });
    // The kernel may drop events in a burst (a full inotify queue): scan once the burst is over.
    this.burst = new BurstDetector(
      (arrivals) => {
        this.queue.note(
          'burst-rescan',
          `${arrivals.toLocaleString('en-GB')} files arrived in a burst; capture folders scanned for any the file system did not report`,
        );
        this.reconciler?.runFresh().catch((error) => this.recordUnexpected('reconciliation', error));
      },
      { now: this.now, ...this.burstOptions },
    );
    this.watcher.on('file', (file) => {
      this.burst?.note();
      this.pipeline?.offer(file);
    });
    this.watcher.on('removed', (file) =>
      this.guarded('removed file', () => this.queue.markVanished(file.absPath)),
    );
    this.watcher.on('problem', (problem) => this.reportProblem(problem));
    this.watcher.on('watching', (folder) => {
      this.problems.delete(folder.folderId);
      if (folder.recovered) this.reconcileSoon();
    });
    await this.watcher.start();

    this.reconciler = new Reconciler(this.config, this.queue, this.pipeline, this.watcher, this.now, (p) =>
      this.reportProblem(p),
    );
    this.reconciler.runPeriodically(this.config.reconcileIntervalMs);
    void this.reconciler
      .runOnce()
      .catch((error) => this.recordUnexpected('catch-up scan', error))
      .then(() => {
        this.caughtUp = true;
        this.emit('caughtUp');
      });

    this.beat();
    this.heartbeat = setInterval(() => this.guarded('heartbeat', () => this.beat()), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Waits until the start-up scan is done and every file seen so far has been decided. */
  async settled(): Promise<void> {
    if (!this.caughtUp) await new Promise<void>((resolve) => this.once('caughtUp', resolve));
    await this.reconciler?.idle();
    await this.pipeline?.idle();
  }

  /** The config the engine runs on: the one it started with, then each applied by reconfigure(). */
  get config(): ResolvedConfig {
    return this.current;
  }

  /** Uploaders (one per destination) and local retention; no destination: the embedded local demo store. */
  private startTransfer(): void {
    this.transferParts = new Transfer(this.config, this.queue, {
      now: this.now,
      onStatus: () => this.emit('status'),
      onCaptureGate: (reason) => this.setCaptureGate(reason),
      recordUnexpected: (where, error) => this.recordUnexpected(where, error),
    });
    this.pipeline?.setDropNew(() => this.transferParts?.shouldDropNew() ?? false);
    // An operator's pause outlives restarts: the engine starts paused if one is recorded.
    this.operatorPause = readOperatorPause(this.queue);
    this.transferParts.start(this.operatorPause !== undefined);
    this.review.startExporter();
  }

  /** The disk guard paused capture (new files are left on disk) or lifted its pause. */
  private setCaptureGate(reason: string | undefined): void {
    const was = this.capturePausedReason;
    this.capturePausedReason = reason;
    if (this.pipeline) this.pipeline.paused = reason !== undefined;
    this.emit('status');
    if (was !== undefined && reason === undefined) this.reconcileSoon(); // pick up what arrived while paused
  }

  /**
   * Applies a new config without a restart: rules recompiled, capture folders added, removed or
   * changed (a new one gets its catch-up scan), uploaders and retention rebuilt on the new upload,
   * destination and retention settings. The queue is untouched: files already queued keep their
   * state. Refused with RestartRequired (nothing changed) for settings only a restart can change.
   * If a step fails, the engine goes back to the config it had and the error is thrown.
   */
  reconfigure(next: ResolvedConfig): Promise<string | undefined> {
    const run = this.reconfiguring.then(async () => {
      const before = this.current;
      const diff = diffConfigs(before, next);
      if (diff.restartOnly.length > 0) throw new RestartRequired(diff.restartOnly);
      try {
        return await applyConfig(this.live(), before, next);
      } catch (error) {
        await applyConfig(this.live(), next, before).catch((again) =>
          this.recordUnexpected('going back to the previous config', again),
        );
        throw error;
      }
    });
    this.reconfiguring = run.catch(() => undefined);
    return run;
  }

  /** The parts reconfigure() changes, for applyConfig (reconfigure.ts). */
  private live(): LiveParts {
    return {
      started: this.startedAt > 0,
      setConfig: (config) => {
        this.current = config;
      },
      rules: (config) => {
        const rules = compileRules(config);
        this.pipeline?.setConfig(config);
        this.applyRules(rules);
      },
      folders: async (config, diff) => {
        this.pipeline?.setConfig(config);
        this.inspector?.setFolders(config.folders);
        this.reconciler?.setConfig(config);
        for (const folder of [...diff.removed, ...diff.changed]) {
          this.problems.delete(folder.id);
          await this.watcher?.removeFolder(folder.id);
        }
        for (const folder of [...diff.changed, ...diff.added]) {
          await this.watcher?.addFolder(folder, config.folders.indexOf(folder));
        }
        // New and changed folders get their catch-up scan (files already there are taken in).
        if (diff.added.length + diff.changed.length > 0) this.reconcileSoon();
      },
      reconcileInterval: (ms) => this.reconciler?.runPeriodically(ms),
      transfer: (config, diff) => this.transferParts?.reconfigure(config, diff) ?? Promise.resolve(),
      review: (config) => this.review.reconfigure(config),
      changed: (what) => {
        this.queue.note('settings-applied', `applied without a restart: ${what}`);
        this.emit('status');
      },
    };
  }

  private bandwidthRequestSeenAt = 0;

  private operatorPause: OperatorPause | undefined;

  /** Pauses all uploads at an operator's word (in-flight ones finish); remembered across restarts. */
  pauseUploads(by: string): OperatorPause {
    const pause = this.operatorPause ?? { at: this.now(), by };
    writeOperatorPause(this.queue, pause);
    this.applyOperatorPause(pause);
    return pause;
  }

  resumeUploads(by: string): void {
    writeOperatorPause(this.queue, undefined);
    this.applyOperatorPause(undefined, by);
  }

  /** The operator's pause in force, if any. */
  uploadsPaused(): OperatorPause | undefined {
    return this.operatorPause;
  }

  private applyOperatorPause(pause: OperatorPause | undefined, resumedBy?: string): void {
    const was = this.operatorPause;
    this.operatorPause = pause;
    if ((was === undefined) === (pause === undefined)) return;
    this.transferParts?.setOperatorPause(pause !== undefined);
    this.queue.note(
      'upload',
      pause ? `all uploads paused by ${pause.by}` : `uploads resumed by ${resumedBy ?? 'an operator'}`,
    );
    this.emit('status');
  }

  /** A bandwidth limit set with `edge-capture bandwidth` while we run (a bad one is reported, not fatal). */
  private applyRuntimeRequests(): void {
    // `edge-capture pause|resume` writes the queue's meta; a running engine follows it here.
    const pause = readOperatorPause(this.queue);
    if ((pause === undefined) !== (this.operatorPause === undefined))
      this.applyOperatorPause(pause, 'edge-capture resume');
    const request = takeBandwidthRequest(this.queue, this.bandwidthRequestSeenAt);
    if (!request) return;
    this.bandwidthRequestSeenAt = request.at;
    try {
      this.setBandwidth(request.spec, request.destination);
    } catch (error) {
      this.queue.note('problem', `bandwidth request "${request.spec}" ignored: ${(error as Error).message}`);
    }
  }

  /**
   * Swaps the site rules without a restart (the operator saved an edit): files decided from now on
   * use them; files already decided keep their decision. The caller validated and compiled them.
   */
  applyRules(rules: CompiledRules): void {
    this.rules = rules;
    this.pipeline?.setRules(rules);
  }

  /** The rules deciding new files now (the config's until an edit is applied). */
  get activeRules(): CompiledRules | undefined {
    return this.rules;
  }

  /** The first (or only) destination's uploader. */
  uploadStatus(): UploaderStatus | undefined {
    return this.transferParts?.primary();
  }

  /**
   * Every destination: name, online or paused (why, since when), last success, next probe, message,
   * in-flight uploads, bytes/s, limits and delivery counts by state.
   */
  destinationStatuses(): DestinationStatus[] {
    return this.transferParts?.statuses() ?? [];
  }

  /** The first destination's last success and unresolved outage, including what the run before a restart knew. */
  linkMemory(): LinkMemory | undefined {
    return this.transferParts?.primaryLink();
  }

  retentionStatus(): RetentionStatus | undefined {
    return this.transferParts?.retentionStatus();
  }

  /** Changes the site's bandwidth limit at run time ("off", "512k", "08:00,512k 18:00,off"), or one destination's. */
  setBandwidth(spec: string, destination?: string): void {
    this.transferParts?.setBandwidth(spec, destination);
  }

  /** Limits set at run time (UI, `edge-capture bandwidth`) and in force now: '' the site's, else by destination. */
  liveBandwidth(): ReadonlyMap<string, string> {
    return this.transferParts?.liveBandwidth() ?? new Map();
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.burst?.stop();
    this.reconciler?.stop();
    await this.watcher?.stop();
    await this.reconciler?.idle();
    await this.pipeline?.stop();
    await this.inspector?.close();
    await this.reconfiguring;
    await this.transferParts?.stop();
    await this.review.stop();
    this.queue.note('engine-stopped', `pid ${process.pid}`);
    // The last word on the link stays readable: `status` shows it while no engine runs.
    this.writeHeartbeat(false);
    if (this.ownsQueue) this.queue.close();
    this.releaseLock?.();
  }

  folders(): FolderStatus[] {
    return this.config.folders.map((folder) => ({
      id: folder.id,
      path: folder.path,
      problem: this.problems.get(folder.id),
    }));
  }

  get backlog(): number {
    return this.pipeline?.backlog ?? 0;
  }

  get decidedCount(): number {
    return this.pipeline?.decidedCount ?? 0;
  }

  /**
   * Records something that went wrong outside any file's normal path (a refused commit, a bug, an
   * unhandled rejection caught by the host's last-resort handler): in the queue's log and as a
   * `problem` event. Never throws, so it is safe to call from last-resort handlers.
   */
  recordUnexpected(where: string, error: unknown): void {
    const message = `${where}: ${error instanceof Error ? error.message : String(error)}`;
    const problem: EngineProblem = {
      folderId: ENGINE_PROBLEMS,
      path: this.config.dataDir,
      code: 'INTERNAL',
      message,
      hint: 'The engine keeps running and the queue is intact; if this repeats, report it with the log',
      fatal: false,
      at: this.now(),
    };
    try {
      this.queue.note('problem', message);
    } catch {
      // A closed or broken queue: the event below (and the host's log) still carry it.
    }
    try {
      this.emit('problem', problem);
    } catch {
      // A listener that throws must not turn a report into another failure.
    }
  }

  /** Runs an event handler's work; a throw is recorded instead of escaping into the emitter. */
  private guarded(where: string, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.recordUnexpected(where, error);
    }
  }

  private reconcileSoon(): void {
    this.reconciler?.runOnce().catch((error) => this.recordUnexpected('reconciliation', error));
  }

  private reportProblem(problem: WatchProblem): void {
    const withTime = { ...problem, at: this.now() };
    this.problems.set(problem.folderId, withTime);
    this.queue.note('problem', `${problem.folderId}: ${problem.message} — ${problem.hint}`);
    this.emit('problem', withTime);
  }

  /** Lets `edge-capture status` in another process tell whether an engine is running. */
  private beat(): void {
    this.applyRuntimeRequests();
    this.writeHeartbeat(true);
  }

  private writeHeartbeat(running: boolean): void {
    const upload = this.transferParts?.primary();
    const link = this.transferParts?.primaryLink();
    const destinations = this.transferParts?.statuses() ?? [];
    this.queue.setMeta(
      'heartbeat',
      JSON.stringify({
        pid: process.pid,
        at: this.now(),
        running,
        capturePaused: this.capturePausedReason,
        warnings: this.config.warnings,
        upload: upload && {
          destination: upload.destination,
          isLocalDemo: upload.isLocalDemo,
          online: upload.online,
          pausedFor: upload.pausedFor,
          offlineSince: link?.offlineSince,
          lastSuccessAt: link?.lastSuccessAt,
          lastError: upload.online ? upload.lastError : link?.lastError,
          bytesPerSecond: upload.bytesPerSecond,
          bandwidthLimit: this.transferParts?.siteLimit(),
        },
        // Each destination on its own (status and the UI show them when there are several).
        destinations: destinations.map((d) => ({
          name: d.name,
          destination: d.destination,
          isLocalDemo: d.isLocalDemo,
          isDefault: d.isDefault,
          online: d.online,
          pausedFor: d.pausedFor,
          offlineSince: d.link.offlineSince,
          lastSuccessAt: d.link.lastSuccessAt,
          lastError: d.online ? d.lastError : d.link.lastError,
          nextProbeAt: d.nextProbeAt,
          bytesPerSecond: d.bytesPerSecond,
          bandwidthLimit: d.bandwidthLimit,
          inFlight: d.inFlight.length,
          counts: d.counts,
        })),
      }),
    );
  }
}

export function queuePath(config: Pick<ResolvedConfig, 'dataDir'>): string {
  return join(config.dataDir, 'queue.db');
}
