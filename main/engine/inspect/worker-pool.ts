import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ResolvedInspect } from '../config/types.ts';
import type { ConfinedFolder } from './confine.ts';
import { InspectFailure, type InspectFailureKind } from './errors.ts';
import type { Examined, ExamineTarget } from './examine.ts';

/** What every worker is started with (plain data). */
export interface WorkerSetup {
  inspect: ResolvedInspect;
  folders: ConfinedFolder[];
  /** Plugins run on the main thread: workers then keep head and text and skip the final check. */
  forPlugins: boolean;
}

export interface ExamineRequest {
  seq: number;
  target: ExamineTarget;
}

export type ExamineReply =
  | { seq: number; examined: Examined }
  | { seq: number; failure: { kind: InspectFailureKind; message: string; code: string | undefined } }
  | { seq: number; error: { message: string; code: string | undefined } };

interface Pending {
  request: ExamineRequest;
  resolve: (examined: Examined) => void;
  reject: (error: unknown) => void;
  /** How many workers stopped while this request was on them. */
  crashes: number;
}

interface PoolWorker {
  thread: Worker;
  inFlight: Map<number, Pending>;
  answered: boolean;
}

/** Inspection workers for this machine: one per core (the main thread mostly waits on SQLite and events), at most 4. */
export function defaultInspectWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 4));
}

/** A worker that stops before answering anything this often means workers cannot start here. */
const STARTUP_FAILURES_ALLOWED = 3;

/**
 * Workers stop after this long with nothing to inspect, and start again with the next file. Each
 * is a V8 isolate with the inspection modules loaded: measured for item 21 (2 cores, compile cache
 * warm) an idle engine took 159 MB RSS with its 2 workers started at once, 1xx MB without; a
 * long upload after a burst of captures then runs without them too.
 */
export const DEFAULT_WORKER_IDLE_MS = 10_000;

const WORKER_URL = new URL('./inspect-worker.ts', import.meta.url);

/**
 * Inspection worker threads (node:worker_threads). Files are read, hashed and scanned for personal
 * data off the main thread, so on two cores both work: the main thread keeps the watcher, the queue
 * and the rules. Requests made in the same tick travel as one message per worker, and come back as
 * one. A worker that dies is replaced; its files are tried once more, then reported unreadable.
 * If workers cannot start at all, inspection falls back to the main thread.
 */
export class InspectPool {
  private readonly setup: WorkerSetup;
  private readonly fallback: (target: ExamineTarget) => Promise<Examined>;
  private readonly workers: PoolWorker[] = [];
  private readonly waiting: Pending[] = [];
  private sendScheduled = false;
  private seq = 0;
  private startupFailures = 0;
  private closed = false;
  /** Workers cannot start here: everything is inspected on the main thread. */
  private unavailable = false;
  private readonly maxWorkers: number;
  private readonly idleMs: number;
  private idleTimer: NodeJS.Timeout | undefined;

  /** Starts no worker yet: up to `size` start with the first files, and stop after `idleMs` without any. */
  constructor(
    size: number,
    setup: WorkerSetup,
    fallback: (target: ExamineTarget) => Promise<Examined>,
    options: { idleMs?: number } = {},
  ) {
    this.setup = setup;
    this.fallback = fallback;
    this.maxWorkers = size;
    this.idleMs = options.idleMs ?? DEFAULT_WORKER_IDLE_MS;
  }

  /** Workers running now (0 before the first file and after an idle spell). */
  get running(): number {
    return this.workers.length;
  }

  examine(target: ExamineTarget): Promise<Examined> {
    if (this.closed || this.unavailable || this.maxWorkers <= 0) return this.fallback(target);
    this.stopIdleTimer();
    return new Promise<Examined>((resolve, reject) => {
      this.waiting.push({ request: { seq: ++this.seq, target }, resolve, reject, crashes: 0 });
      if (!this.sendScheduled) {
        this.sendScheduled = true;
        queueMicrotask(() => this.send());
      }
    });
  }

  /** Stops the workers; anything still waiting or in flight is inspected on the main thread instead. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopIdleTimer();
    const workers = this.workers.splice(0);
    const unfinished = [
      ...this.waiting.splice(0),
      ...workers.flatMap((worker) => [...worker.inFlight.values()]),
    ];
    for (const worker of workers) worker.inFlight.clear();
    await Promise.all(workers.map((worker) => worker.thread.terminate()));
    for (const pending of unfinished)
      this.fallback(pending.request.target).then(pending.resolve, pending.reject);
  }

  /** Splits what is waiting across the workers, the least busy first. */
  private send(): void {
    this.sendScheduled = false;
    if (this.waiting.length === 0) return;
    if (!this.unavailable && !this.closed) {
      const wanted = Math.min(this.maxWorkers, this.waiting.length + this.busy());
      while (this.workers.length < wanted) this.workers.push(this.start());
    }
    if (this.workers.length === 0) {
      for (const pending of this.waiting.splice(0))
        this.fallback(pending.request.target).then(pending.resolve, pending.reject);
      return;
    }
    const workers = [...this.workers].sort((a, b) => a.inFlight.size - b.inFlight.size);
    const share = Math.ceil(this.waiting.length / workers.length);
    for (const worker of workers) {
      const part = this.waiting.splice(0, share);
      if (part.length === 0) break;
      for (const pending of part) worker.inFlight.set(pending.request.seq, pending);
      worker.thread.postMessage(part.map((pending) => pending.request));
    }
  }

  private busy(): number {
    let n = 0;
    for (const worker of this.workers) n += worker.inFlight.size;
    return n;
  }

  private stopIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Nothing waiting or in flight: stop the workers once that has lasted idleMs. */
  private armIdleTimer(): void {
    if (this.closed || this.workers.length === 0 || this.waiting.length > 0 || this.busy() > 0) return;
    this.stopIdleTimer();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.closed || this.waiting.length > 0 || this.busy() > 0) return;
      // Out of the list first, so their 'exit' does not start replacements.
      for (const worker of this.workers.splice(0)) void worker.thread.terminate();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private start(): PoolWorker {
    const worker: PoolWorker = {
      thread: new Worker(WORKER_URL, { workerData: this.setup }),
      inFlight: new Map(),
      answered: false,
    };
    // Idle workers must not keep a process alive that has nothing else to do.
    worker.thread.unref();
    worker.thread.on('message', (replies: ExamineReply[]) => {
      worker.answered = true;
      for (const reply of replies) this.settle(worker, reply);
      this.armIdleTimer();
    });
    worker.thread.on('error', (error) => this.replace(worker, error));
    worker.thread.on('exit', (code) => this.replace(worker, new Error(`exit code ${code}`)));
    return worker;
  }

  private settle(worker: PoolWorker, reply: ExamineReply): void {
    const pending = worker.inFlight.get(reply.seq);
    if (!pending) return;
    worker.inFlight.delete(reply.seq);
    if ('examined' in reply) pending.resolve(reply.examined);
    else if ('failure' in reply) {
      const { kind, message, code } = reply.failure;
      pending.reject(new InspectFailure(kind, message, code));
    } else pending.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
  }

  /** A worker stopped: start another, and give its files one more try. */
  private replace(worker: PoolWorker, error: Error): void {
    const index = this.workers.indexOf(worker);
    if (index < 0 || this.closed) return;
    this.workers.splice(index, 1);
    if (!worker.answered && ++this.startupFailures >= STARTUP_FAILURES_ALLOWED) {
      // Workers cannot start here (e.g. a runtime without worker support): inspect on the main thread.
      this.unavailable = true;
      for (const other of this.workers.splice(0)) {
        for (const pending of other.inFlight.values()) this.waiting.push(pending);
        other.inFlight.clear();
        void other.thread.terminate();
      }
    } else this.workers.push(this.start());
    for (const pending of worker.inFlight.values()) {
      if (++pending.crashes > 1) {
        const { absPath } = pending.request.target;
        pending.reject(
          new InspectFailure(
            'unreadable',
            `the inspection worker stopped twice while reading ${absPath} (${error.message}); move the file away and back to try again`,
          ),
        );
      } else this.waiting.push(pending);
    }
    if (this.waiting.length > 0 && !this.sendScheduled) {
      this.sendScheduled = true;
      queueMicrotask(() => this.send());
    }
    this.armIdleTimer();
  }
}
