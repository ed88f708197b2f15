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

  constructor(size: number, setup: WorkerSetup, fallback: (target: ExamineTarget) => Promise<Examined>) {
    this.setup = setup;
    this.fallback = fallback;
    for (let i = 0; i < size; i++) this.workers.push(this.start());
  }

  get size(): number {
    return this.workers.length;
  }

  examine(target: ExamineTarget): Promise<Examined> {
    if (this.closed || this.workers.length === 0) return this.fallback(target);
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
      this.workers.length = 0;
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
  }
}
