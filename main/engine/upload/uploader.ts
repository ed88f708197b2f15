import { EventEmitter } from 'node:events';
import { formatDuration } from '../config/units.ts';
import type { CaptureQueue } from '../queue/queue.ts';
import type { FileRecord, QueueChange } from '../queue/types.ts';
import { BandwidthLimiter, formatRate, parseBandwidth } from './bandwidth.ts';
import { asUploadError, Connectivity, PAUSE_KINDS, type PauseReason } from './connectivity.ts';
import { busyStoreOutcome, countedOutcome, type FailureOutcome, sourceOutcome } from './failure-policy.ts';
import { RateMeter } from './rate-meter.ts';
import { nextRetryAt, nextUploads, trackedUploadIds } from './scheduler-queries.ts';
import type { UploadSettings } from './settings.ts';
import type { Destination, MultipartProgress, UploadError, UploadResult } from './types.ts';
import { buildUploadSource, resumableProgress, successDetail } from './upload-source.ts';

export interface UploaderContext {
  site: string;
  device: string;
  /** Per-folder device names (a folder may name its own camera); defaults to `device`. */
  deviceFor?: (folderId: string) => string;
  now?: () => number;
  random?: () => number;
  onUploaded?: (record: FileRecord) => void;
}

export interface InFlightUpload {
  fileId: number;
  relPath: string;
  bytesSent: number;
  size: number;
}

export interface UploaderStatus {
  /** False while uploads are paused because the store is unreachable or refuses us. */
  online: boolean;
  pausedFor?: PauseReason;
  offlineSince?: number;
  lastSuccessAt?: number;
  lastError?: string;
  nextProbeAt?: number;
  inFlight: InFlightUpload[];
  bytesPerSecond: number;
  bandwidthLimit?: number;
  destination: string;
  isLocalDemo: boolean;
}

interface UploaderEvents {
  status: [UploaderStatus];
  uploaded: [FileRecord];
}

interface Job {
  record: FileRecord;
  controller: AbortController;
  bytesSent: number;
  /** Set once we write the outcome: queue changes after this are ours. */
  settling: boolean;
  /** Why we aborted it: the engine is stopping, or someone else moved the file on. */
  abortedFor?: 'stop' | 'superseded';
  done?: Promise<void>;
}

const DAY_MS = 86_400_000;
/** Multipart uploads younger than this are left alone by the sweep: one may be starting right now. */
const ORPHAN_MIN_AGE_MS = 3_600_000;
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * Moves queued files to the destination: at most `concurrency` at once, highest priority
 * first, one shared bandwidth limit, retries with backoff, and a pause (with a cheap probe)
 * while the store is unreachable or refuses us, so an outage neither hammers the link nor
 * burns retries. Every outcome is a queue transition, so a crash at any point resumes cleanly.
 * The destination belongs to the caller: stop() does not close it.
 */
export class Uploader extends EventEmitter<UploaderEvents> {
  private readonly queue: CaptureQueue;
  private readonly destination: Destination;
  private readonly settings: UploadSettings;
  private readonly ctx: UploaderContext;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly limiter: BandwidthLimiter;
  private readonly meter = new RateMeter();
  private readonly connectivity: Connectivity;
  private readonly jobs = new Map<number, Job>();
  /** Consecutive throttled/server failures per file: grows their backoff without counting attempts. */
  private readonly busyStreak = new Map<number, number>();
  private running = false;
  private stopping = false;
  private pumpPending: NodeJS.Immediate | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private lastSuccessAt: number | undefined;
  private lastError: string | undefined;
  private readonly onQueueChange = (changes: QueueChange[]) => this.noticeChanges(changes);

  constructor(queue: CaptureQueue, destination: Destination, settings: UploadSettings, ctx: UploaderContext) {
    super();
    this.queue = queue;
    this.destination = destination;
    this.settings = settings;
    this.ctx = ctx;
    this.now = ctx.now ?? Date.now;
    this.random = ctx.random ?? Math.random;
    this.limiter = new BandwidthLimiter(settings.bandwidth);
    this.connectivity = new Connectivity({
      probe: (signal) => destination.probe(signal),
      intervalMs: settings.offlineProbeIntervalMs,
      timeoutMs: settings.requestTimeoutMs,
      now: this.now,
      random: this.random,
      onChange: (downForMs) => this.connectivityChanged(downForMs),
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    // Files a crash left in `uploading` go back to the queue with their progress, to be resumed.
    this.queue.recoverInterrupted();
    this.queue.on('change', this.onQueueChange);
    this.connectivity.restart();
    void this.sweepOrphans();
    this.sweepTimer = setInterval(() => void this.sweepOrphans(), DAY_MS);
    this.sweepTimer.unref();
    this.schedulePump();
  }

  /** Aborts uploads in flight; their files go back to `queued` with multipart progress kept. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    if (this.pumpPending) clearImmediate(this.pumpPending);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.pumpPending = this.retryTimer = this.sweepTimer = undefined;
    this.connectivity.stop();
    for (const job of this.jobs.values()) abort(job, 'stop');
    await Promise.allSettled([...this.jobs.values()].map((job) => job.done));
    this.queue.off('change', this.onQueueChange);
    this.running = false;
  }

  /** New files were queued: look for work now rather than at the next timer. */
  wake(): void {
    this.schedulePump();
  }

  /** Changes the limit for all uploads at once. Throws BandwidthSpecError for a bad spec. */
  setBandwidth(spec: string): void {
    const timetable = parseBandwidth(spec);
    this.limiter.setTimetable(timetable);
    this.queue.note(
      'upload',
      `bandwidth limit set to "${spec}" (now ${formatRate(this.limiter.currentLimit())})`,
    );
  }

  status(): UploaderStatus {
    const c = this.connectivity;
    return {
      online: c.online,
      pausedFor: c.pausedFor,
      offlineSince: c.offlineSince,
      lastSuccessAt: this.lastSuccessAt,
      lastError: c.online ? this.lastError : c.lastError,
      nextProbeAt: c.nextProbeAt,
      inFlight: [...this.jobs.values()].map((job) => ({
        fileId: job.record.id,
        relPath: job.record.relPath,
        bytesSent: job.bytesSent,
        size: job.record.size,
      })),
      bytesPerSecond: this.meter.bytesPerSecond(),
      bandwidthLimit: this.limiter.currentLimit(),
      destination: this.destination.label,
      isLocalDemo: this.destination.isLocalDemo,
    };
  }

  private schedulePump(): void {
    if (!this.running || this.stopping || this.pumpPending) return;
    this.pumpPending = setImmediate(() => {
      this.pumpPending = undefined;
      this.pump();
    });
  }

  private pump(): void {
    if (!this.running || this.stopping || !this.connectivity.online) return;
    const free = this.settings.concurrency - this.jobs.size;
    const due = nextUploads(this.queue, {
      now: this.now(),
      limit: free,
      order: this.settings.order,
      exclude: this.jobs.keys(),
    });
    for (const record of due) this.launch(record);
    this.armRetryTimer();
  }

  /** Wakes up when the earliest failed file is due (completions wake us anyway). */
  private armRetryTimer(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const at = nextRetryAt(this.queue);
    // A file already due waits for a free slot, and a finishing upload pumps again anyway.
    if (at === undefined || at <= this.now()) return;
    const delay = Math.min(at - this.now() + 5, LONGEST_TIMER_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.schedulePump();
    }, delay);
  }

  private launch(record: FileRecord): void {
    const job: Job = { record, controller: new AbortController(), bytesSent: 0, settling: false };
    try {
      job.record = this.queue.transition(record.id, 'uploading');
    } catch (error) {
      this.queue.note(
        'upload',
        `could not start uploading ${record.relPath}: ${asUploadError(error).message}`,
      );
      return;
    }
    this.jobs.set(record.id, job);
    job.done = this.run(job).finally(() => {
      this.jobs.delete(record.id);
      this.schedulePump();
    });
  }

  private async run(job: Job): Promise<void> {
    let result: UploadResult;
    try {
      const device = this.ctx.deviceFor?.(job.record.folderId) ?? this.ctx.device;
      const source = buildUploadSource(job.record, { site: this.ctx.site, device });
      result = await this.destination.upload(source, {
        resume: resumableProgress(job.record.upload),
        saveProgress: (progress) => this.saveProgress(job, progress),
        signal: job.controller.signal,
        throttle: this.limiter,
        onBytes: (bytes) => {
          job.bytesSent += bytes;
          this.meter.add(bytes);
        },
      });
    } catch (error) {
      await this.failed(job, error);
      return;
    }
    this.succeeded(job, result);
  }

  /** Persists multipart progress, unless the file has meanwhile been moved on by someone else. */
  private saveProgress(job: Job, progress: MultipartProgress | undefined): void {
    if (job.settling) return;
    if (this.queue.get(job.record.id)?.state !== 'uploading') {
      abort(job, 'superseded');
      return;
    }
    this.queue.transition(job.record.id, 'uploading', { upload: progress ?? null });
  }

  private succeeded(job: Job, result: UploadResult): void {
    job.settling = true;
    const id = job.record.id;
    this.busyStreak.delete(id);
    this.lastSuccessAt = this.now();
    this.connectivity.markOnline();
    if (this.queue.get(id)?.state !== 'uploading') {
      this.queue.note(
        'upload',
        `${job.record.relPath} reached the store as ${result.key} but changed meanwhile`,
      );
      return;
    }
    const updated = this.queue.transition(
      id,
      'uploaded',
      { objectKey: result.key, upload: null, lastError: null, nextAttemptAt: null },
      successDetail(this.destination, job.record, result),
    );
    try {
      this.ctx.onUploaded?.(updated);
      this.emit('uploaded', updated);
    } catch (error) {
      this.queue.note('upload', `after uploading ${updated.relPath}: ${asUploadError(error).message}`);
    }
  }

  private async failed(job: Job, thrown: unknown): Promise<void> {
    const id = job.record.id;
    if (job.abortedFor === 'superseded') return;
    let error = asUploadError(thrown);
    let storeWide = PAUSE_KINDS.has(error.kind);
    // auth/permission/not_found may be the store refusing us altogether (bad key, missing
    // bucket) or just this key (a prefix policy). A probe tells which: the first pauses every
    // upload instead of quarantining the whole queue; the second counts against this file only.
    if (storeWide && error.kind !== 'offline' && !this.stopping && this.connectivity.online) {
      const storeProblem = await this.connectivity.check();
      // A store too busy even for the probe is a busy store: retry later, count nothing.
      storeWide = storeProblem !== undefined && PAUSE_KINDS.has(storeProblem.kind);
      if (storeProblem) error = storeProblem;
    }
    job.settling = true;
    const current = this.queue.get(id);
    if (current?.state !== 'uploading') return;
    if (this.stopping || job.abortedFor === 'stop') {
      this.queue.transition(id, 'queued', {}, 'upload stopped with the engine; it resumes on the next start');
      return;
    }
    this.lastError = `${current.relPath}: ${error.message}`;
    if (storeWide) this.pauseFor(error, current);
    else this.apply(current, this.outcomeFor(current, error));
  }

  /** The store, not the file, is the problem: the file waits in the queue, its attempts untouched. */
  private pauseFor(error: UploadError, record: FileRecord): void {
    this.connectivity.pause(error.kind as PauseReason, error.message);
    const why = error.kind === 'offline' ? 'store unreachable' : `store refuses uploads (${error.kind})`;
    this.queue.transition(
      record.id,
      'queued',
      { lastError: error.message },
      `${why}: ${error.message}; waiting`,
    );
  }

  private outcomeFor(record: FileRecord, error: UploadError): FailureOutcome {
    const fromSource = sourceOutcome(error);
    if (fromSource) return fromSource;
    if (error.kind === 'throttled' || error.kind === 'server') {
      const streak = (this.busyStreak.get(record.id) ?? 0) + 1;
      this.busyStreak.set(record.id, streak);
      return busyStoreOutcome(error, streak, this.settings, this.now(), this.random);
    }
    return countedOutcome(error, record.attempts, this.settings, this.now(), this.random);
  }

  private apply(record: FileRecord, outcome: FailureOutcome): void {
    if (outcome.to === 'revisit') {
      this.busyStreak.delete(record.id);
      this.queue.revisit(record.id, outcome.detail);
      return;
    }
    if (outcome.to !== 'failed') this.busyStreak.delete(record.id);
    this.queue.transition(record.id, outcome.to, outcome.patch, outcome.detail);
  }

  private connectivityChanged(downForMs: number | undefined): void {
    const c = this.connectivity;
    if (downForMs !== undefined) {
      this.queue.note('upload', `store answers again after ${formatDuration(downForMs)}; uploads resume`);
      this.schedulePump();
    } else {
      const every = formatDuration(this.settings.offlineProbeIntervalMs);
      this.queue.note('upload', `uploads paused (${c.pausedFor}): ${c.lastError}; checking every ${every}`);
    }
    this.emit('status', this.status());
  }

  /** Notices files moved on by someone else mid-upload (changed on disk, vanished) and more work. */
  private noticeChanges(changes: QueueChange[]): void {
    let queued = false;
    for (const change of changes) {
      if (change.to === 'queued') queued = true;
      const job = change.fileId == null ? undefined : this.jobs.get(change.fileId);
      if (job && !job.settling && change.to && change.to !== 'uploading') abort(job, 'superseded');
    }
    if (queued) this.schedulePump();
  }

  /** Aborts multipart uploads the queue no longer tracks (after crashes, quarantine, changes). */
  private async sweepOrphans(): Promise<void> {
    try {
      const aborted = await this.destination.abortOrphans(trackedUploadIds(this.queue), ORPHAN_MIN_AGE_MS);
      if (aborted > 0)
        this.queue.note('upload', `aborted ${aborted} abandoned multipart upload(s) at the store`);
    } catch (error) {
      if (this.running)
        this.queue.note('upload', `could not clean up abandoned uploads: ${asUploadError(error).message}`);
    }
  }
}

function abort(job: Job, why: 'stop' | 'superseded'): void {
  if (job.abortedFor) return;
  job.abortedFor = why;
  job.controller.abort(new Error(why === 'stop' ? 'uploader stopping' : 'file moved on while uploading'));
}
