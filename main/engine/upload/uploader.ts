import { EventEmitter } from 'node:events';
import { formatDuration } from '../config/units.ts';
import { DEFAULT_DESTINATION, type DeliveryState } from '../queue/delivery-types.ts';
import type { CaptureQueue } from '../queue/queue.ts';
import type { FileRecord, QueueChange } from '../queue/types.ts';
import { BandwidthLimiter, formatRate, parseBandwidth } from './bandwidth.ts';
import { CandidateList } from './candidate-list.ts';
import { asUploadError, Connectivity } from './connectivity.ts';
import { DeliveryFailures } from './delivery-failures.ts';
import { recordDelivered, requeueDelivery, saveDeliveryProgress } from './delivery-writes.ts';
import { forgetStartedUpload, interruptedKeys, orphanedUploads } from './leftovers.ts';
import { RateMeter } from './rate-meter.ts';
import { nextRetryAt, nextUploadIds } from './scheduler-queries.ts';
import type { UploadSettings } from './settings.ts';
import type { SidecarUpload } from './sidecar-upload.ts';
import type { Destination, MultipartProgress, Throttle, UploadResult } from './types.ts';
import { abort, claimedJob, type Job, type JobSender, sendJob } from './upload-job.ts';
import type { UploaderContext, UploaderStatus } from './uploader-types.ts';

export type { AfterUploadHook, InFlightUpload, UploaderContext, UploaderStatus } from './uploader-types.ts';

interface UploaderEvents {
  status: [UploaderStatus];
  uploaded: [FileRecord];
}

/** An upload the store confirmed, waiting for the next step() to record it. */
interface Finished {
  job: Job;
  result: UploadResult;
  sidecar?: SidecarUpload;
  recorded: () => void;
}

/** Candidates read per query: enough for several rounds of launches without asking again. */
const CANDIDATE_BATCH = 256;
/**
 * Delivery states a candidate may start uploading from. A `failed` candidate was due when it was
 * read, and only we make deliveries `failed` (from `uploading`), after which we read them again.
 */
const UPLOADABLE: readonly DeliveryState[] = ['queued', 'failed'];
/** File states still in the upload flow: a move by someone else to any other supersedes our upload. */
const UPLOAD_FLOW: ReadonlySet<string> = new Set([
  'uploading',
  'failed',
  'uploaded',
  'conflict',
  'quarantined',
]);

const DAY_MS = 86_400_000;
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * Moves one destination's queued deliveries to it: at most `concurrency` at once, highest priority
 * first, its own bandwidth limit (and the site's, shared with the other destinations), retries with
 * backoff, and a pause (with a cheap probe) while the store is unreachable or refuses us, so an
 * outage neither hammers the link nor burns retries, and other destinations keep going. Every
 * outcome is a queue transition, so a crash at any point resumes cleanly. The destination belongs to
 * the caller: stop() does not close it.
 */
export class Uploader extends EventEmitter<UploaderEvents> {
  private readonly queue: CaptureQueue;
  private readonly destination: Destination;
  private readonly settings: UploadSettings;
  private readonly ctx: UploaderContext;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly limiter: BandwidthLimiter;
  /** This destination's limit, then the site's. */
  private readonly throttle: Throttle;
  /** The destination's name in the deliveries table. */
  readonly name: string;
  private readonly meter = new RateMeter();
  private readonly connectivity: Connectivity;
  private readonly jobs = new Map<number, Job>();
  /** Tells the destination's failures from the file's, and what each leads to. */
  private readonly failures: DeliveryFailures;
  /** Confirmed uploads not yet recorded: step() writes them together, in one commit. */
  private finished: Finished[] = [];
  private readonly candidates: CandidateList;
  /** What sending one job needs (upload-job.ts). */
  private readonly sender: JobSender;
  /** step() is writing: the queue changes it causes are not news to us. */
  private writing = false;
  private running = false;
  private stopping = false;
  /** An operator paused all uploads: none starts; those in flight finish. */
  private operatorPaused = false;
  private stepPending: NodeJS.Immediate | undefined;
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
    this.name = ctx.destinationName ?? DEFAULT_DESTINATION;
    this.limiter = new BandwidthLimiter(settings.bandwidth);
    const site = ctx.siteThrottle;
    this.throttle = site
      ? {
          take: async (bytes, signal) => {
            await this.limiter.take(bytes, signal);
            await site.take(bytes, signal);
          },
        }
      : this.limiter;
    this.lastSuccessAt = ctx.linkBeforeRestart?.lastSuccessAt;
    this.connectivity = new Connectivity({
      probe: (signal) => destination.probe(signal),
      intervalMs: settings.offlineProbeIntervalMs,
      timeoutMs: settings.requestTimeoutMs,
      now: this.now,
      random: this.random,
      onChange: (downForMs) => this.connectivityChanged(downForMs),
      offlineSinceBeforeRestart: ctx.linkBeforeRestart?.offlineSince,
    });
    this.candidates = new CandidateList({
      read: (now, limit) =>
        nextUploadIds(queue, { now, limit, order: settings.order, destination: this.name }),
      batchSize: () => Math.max(CANDIDATE_BATCH, settings.concurrency),
    });
    this.sender = {
      destination,
      ctx,
      throttle: this.throttle,
      meter: this.meter,
      saveProgress: (job, progress) => this.saveProgress(job, progress),
    };
    this.failures = new DeliveryFailures({
      queue,
      name: this.name,
      connectivity: this.connectivity,
      settings,
      now: this.now,
      random: this.random,
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    // Files a crash left in `uploading` go back to the queue with their progress, to be resumed;
    // the first sweep looks beside their keys for what their copies left behind.
    const interrupted = interruptedKeys(this.queue, this.name);
    this.queue.recoverInterrupted(this.name);
    this.queue.on('change', this.onQueueChange);
    this.connectivity.restart();
    void this.sweepOrphans(interrupted);
    this.sweepTimer = setInterval(() => void this.sweepOrphans([]), DAY_MS);
    this.sweepTimer.unref();
    this.lookAgain();
  }

  /** Aborts uploads in flight; their files go back to `queued` with multipart progress kept. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    // A pending step() stays: it records uploads that finished (and launches nothing now).
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.retryTimer = this.sweepTimer = undefined;
    this.connectivity.stop();
    for (const job of this.jobs.values()) abort(job, 'stop');
    await Promise.allSettled([...this.jobs.values()].map((job) => job.done));
    this.queue.off('change', this.onQueueChange);
    this.running = false;
  }

  /** Operator pause: no upload starts while set; uploads in flight finish. Clearing it resumes at once. */
  setOperatorPause(paused: boolean): void {
    if (this.operatorPaused === paused) return;
    this.operatorPaused = paused;
    if (!paused) this.lookAgain();
  }

  /** New files were queued: look for work now rather than at the next timer. */
  wake(): void {
    this.lookAgain();
  }

  /** Changes the limit for all uploads at once. Throws BandwidthSpecError for a bad spec. */
  setBandwidth(spec: string): void {
    const timetable = parseBandwidth(spec);
    this.limiter.setTimetable(timetable);
    const which = this.name === DEFAULT_DESTINATION ? '' : ` for ${this.name}`;
    this.queue.note(
      'upload',
      `bandwidth limit${which} set to "${spec}" (now ${formatRate(this.limiter.currentLimit())})`,
    );
  }

  status(): UploaderStatus {
    const c = this.connectivity;
    return {
      name: this.name,
      online: c.online,
      pausedFor: c.pausedFor,
      operatorPaused: this.operatorPaused,
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

  /** Candidates may have changed: read them again at the next step. */
  private lookAgain(): void {
    this.candidates.readAgain();
    this.scheduleStep();
  }

  private scheduleStep(): void {
    if (!this.running || this.stepPending) return;
    this.stepPending = setImmediate(() => {
      this.stepPending = undefined;
      this.step();
    });
  }

  /**
   * Records the uploads that finished since the last step and claims files for the free slots,
   * all in one commit: SQLite commits, not uploads, are the cost of many small files.
   */
  private step(): void {
    const finished = this.finished.splice(0);
    const launching = this.running && !this.stopping && !this.operatorPaused && this.connectivity.online;
    if (finished.length === 0 && !launching) return;
    const durable = finished.length > 0 && this.recordsMustBeDurable;
    for (const f of finished) this.jobs.delete(f.job.record.id);
    let recorded: FileRecord[] = [];
    const claimed: Job[] = [];
    this.writing = true;
    try {
      this.queue.transaction(
        () => {
          recorded = finished.map((f) => this.recordSuccess(f)).filter((r) => r !== undefined);
          if (launching) this.claimFreeSlots(claimed);
        },
        { durable },
      );
    } catch (error) {
      // Rolled back: nothing was claimed after all.
      for (const job of claimed.splice(0)) this.jobs.delete(job.record.id);
      recorded = this.recordOneByOne(finished, error);
    } finally {
      this.writing = false;
    }
    for (const f of finished) f.recorded();
    for (const record of recorded) this.announce(record);
    for (const job of claimed) this.begin(job);
    if (launching) this.armRetryTimer();
    // Slots freed but nothing claimed (a write failed): try again rather than wait for a wake-up.
    if (launching && finished.length > 0 && claimed.length === 0) this.scheduleStep();
  }

  /** The batch commit failed: record each success on its own, so one bad row costs only itself. */
  private recordOneByOne(finished: Finished[], batchError: unknown): FileRecord[] {
    const recorded: FileRecord[] = [];
    for (const f of finished) {
      try {
        const record = this.queue.transaction(() => this.recordSuccess(f), {
          durable: this.recordsMustBeDurable,
        });
        if (record) recorded.push(record);
      } catch (error) {
        this.noteSafely(
          `could not record the upload of ${f.job.record.relPath} (${asUploadError(batchError).message}): ${asUploadError(error).message}`,
        );
      }
    }
    return recorded;
  }

  /** Moves files to `uploading` for every free slot (inside step's transaction). */
  private claimFreeSlots(claimed: Job[]): void {
    const now = this.now();
    while (this.jobs.size < this.settings.concurrency) {
      const id = this.candidates.next(now);
      if (id === undefined) break;
      if (this.jobs.has(id)) continue;
      // The list may be a little old: the file may have been held, changed or removed since.
      if (!this.queue.deliveries.move(id, this.name, UPLOADABLE, 'uploading')) continue;
      const record = this.queue.get(id);
      const delivery = this.queue.deliveries.get(id, this.name);
      if (!record || !delivery) continue;
      const job = claimedJob(record, delivery);
      this.jobs.set(id, job);
      claimed.push(job);
    }
  }

  /** Wakes up when the earliest failed file is due (completions wake us anyway). */
  private armRetryTimer(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const at = nextRetryAt(this.queue, this.name);
    if (at === undefined) return;
    if (at <= this.now()) {
      // Already due: the candidate list may predate it. It takes the next free slot.
      this.candidates.markStale();
      if (this.jobs.size < this.settings.concurrency) this.scheduleStep();
      return;
    }
    const delay = Math.min(at - this.now() + 5, LONGEST_TIMER_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.lookAgain();
    }, delay);
  }

  private begin(job: Job): void {
    job.done = this.run(job).catch((error: unknown) => {
      this.noteSafely(`upload of ${job.record.relPath} went wrong: ${asUploadError(error).message}`);
    });
  }

  private async run(job: Job): Promise<void> {
    let result: UploadResult;
    let sidecar: SidecarUpload | undefined;
    try {
      ({ result, sidecar } = await sendJob(job, this.sender));
    } catch (error) {
      try {
        await this.failed(job, error);
      } finally {
        this.jobs.delete(job.record.id);
        // The file may be back in the queue (a pause, a stop): it must be found again.
        this.lookAgain();
      }
      return;
    }
    job.settling = true;
    this.failures.succeeded(job.record.id);
    this.lastSuccessAt = this.now();
    this.connectivity.markOnline();
    await new Promise<void>((recorded) => {
      this.finished.push({ job, result, sidecar, recorded });
      this.scheduleStep();
    });
  }

  /** Persists multipart progress; a delivery moved on by someone else meanwhile aborts the upload. */
  private saveProgress(job: Job, progress: MultipartProgress | undefined): void {
    if (job.settling) return;
    const saved = saveDeliveryProgress(this.queue, this.name, job.record.id, job.uploadId, progress);
    job.uploadId = progress?.uploadId;
    if (!saved) abort(job, 'superseded');
  }

  /** The local copy goes once an upload is recorded: that commit must survive power loss. */
  private get recordsMustBeDurable(): boolean {
    return this.ctx.afterUpload?.removesLocalCopy === true;
  }

  /** Records one confirmed upload (inside step's transaction): the file when this was its last destination. */
  private recordSuccess({ job, result, sidecar }: Finished): FileRecord | undefined {
    const claimed = { record: job.record, delivery: job.delivery };
    const outcome = { result, sidecar, now: this.now(), afterUpload: this.ctx.afterUpload };
    return recordDelivered(this.queue, this.name, this.destination, claimed, outcome) ?? undefined;
  }

  /** Tells listeners about a recorded upload; their troubles are logged, not ours. */
  private announce(record: FileRecord): void {
    try {
      this.ctx.onUploaded?.(record);
      this.emit('uploaded', record);
    } catch (error) {
      this.noteSafely(`after uploading ${record.relPath}: ${asUploadError(error).message}`);
    }
  }

  private noteSafely(detail: string): void {
    try {
      this.queue.note('upload', detail);
    } catch {
      // The queue itself is failing; there is nowhere left to say it.
    }
  }

  private async failed(job: Job, thrown: unknown): Promise<void> {
    const id = job.record.id;
    if (job.abortedFor === 'superseded') return;
    const { error, destinationWide } = await this.failures.classify(asUploadError(thrown), this.stopping);
    job.settling = true;
    const delivery = this.queue.deliveries.get(id, this.name);
    if (delivery?.state !== 'uploading') return;
    if (this.stopping || job.abortedFor === 'stop') {
      requeueDelivery(
        this.queue,
        this.name,
        id,
        'upload stopped with the engine; it resumes on the next start',
      );
      return;
    }
    this.lastError = `${job.record.relPath}: ${error.message}`;
    if (destinationWide) this.failures.pause(error, id);
    else this.failures.count(id, delivery.attempts, error);
  }

  private connectivityChanged(downForMs: number | undefined): void {
    const c = this.connectivity;
    if (downForMs !== undefined) {
      const store = this.name === DEFAULT_DESTINATION ? 'store' : this.name;
      this.queue.note('upload', `${store} answers again after ${formatDuration(downForMs)}; uploads resume`);
      this.lookAgain();
    } else {
      const every = formatDuration(this.settings.offlineProbeIntervalMs);
      const which = this.name === DEFAULT_DESTINATION ? 'uploads' : `uploads to ${this.name}`;
      this.queue.note('upload', `${which} paused (${c.pausedFor}): ${c.lastError}; checking every ${every}`);
    }
    this.emit('status', this.status());
  }

  /**
   * Notices more work (a file queued, one of our deliveries back in the queue) and files moved on by
   * someone else mid-upload (changed on disk, vanished, held), which cancels our upload of them.
   * Other destinations' deliveries moving the file along are none of our business.
   */
  private noticeChanges(changes: QueueChange[]): void {
    let news = false;
    for (const change of changes) {
      const ours = change.destination === this.name;
      const outside = change.destination === undefined && change.kind !== 'delivery';
      const now = ours ? change.delivery : outside ? change.to : undefined;
      if (!this.writing && (now === 'queued' || now === 'failed')) news = true;
      const job = change.fileId == null ? undefined : this.jobs.get(change.fileId);
      if (!job || job.settling) continue;
      if (ours && change.delivery !== 'uploading') abort(job, 'superseded');
      else if (outside && change.to && !UPLOAD_FLOW.has(change.to)) abort(job, 'superseded');
    }
    if (news) this.lookAgain();
  }

  /**
   * Removes what this engine left at the destination and will not resume: multipart uploads it
   * recorded (after crashes, quarantine, changes) and temp files beside interrupted copies.
   */
  private async sweepOrphans(interrupted: readonly string[]): Promise<void> {
    try {
      const inFlight = new Set([...this.jobs.values()].flatMap((job) => job.uploadId ?? []));
      const removed = await this.destination.abortOrphans({
        uploads: orphanedUploads(this.queue, inFlight, this.name),
        interruptedKeys: interrupted,
        forget: (uploadId) => forgetStartedUpload(this.queue, uploadId, this.name),
      });
      if (removed > 0)
        this.queue.note('upload', `cleaned up ${removed} abandoned upload(s) of ours at the destination`);
    } catch (error) {
      if (this.running)
        this.queue.note('upload', `could not clean up abandoned uploads: ${asUploadError(error).message}`);
    }
  }
}
