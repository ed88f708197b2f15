import type { CaptureQueue } from '../queue/queue.ts';
import { type Connectivity, PAUSE_WORDS, pauseReasonFor } from './connectivity.ts';
import { applyOutcome, requeueDelivery } from './delivery-writes.ts';
import {
  busyStoreOutcome,
  countedOutcome,
  type FailureOutcome,
  isBusyStore,
  mayBeDestinationWide,
  sourceOutcome,
} from './failure-policy.ts';
import type { UploadSettings } from './settings.ts';
import type { UploadError } from './types.ts';

interface FailureContext {
  queue: CaptureQueue;
  /** The destination's name in the deliveries table. */
  name: string;
  connectivity: Connectivity;
  settings: UploadSettings;
  now: () => number;
  random: () => number;
}

/**
 * What one destination's uploader does with a failed upload: tells the destination's problems (it
 * pauses, the file waits, nothing counted) from the file's (counted, retried with backoff, in the end
 * quarantined), and keeps each file's streak of busy-store answers, which grows its backoff without
 * counting attempts.
 */
export class DeliveryFailures {
  private readonly ctx: FailureContext;
  private readonly busyStreak = new Map<number, number>();

  constructor(ctx: FailureContext) {
    this.ctx = ctx;
  }

  /**
   * Whether the failure is the destination's. Bad credentials, a missing bucket, https to a plain-HTTP
   * port, a share path through a file: the destination refuses every file, not just this one (a prefix
   * policy, a name too long). A probe tells which: the first pauses every upload instead of
   * quarantining the whole queue one file at a time; the second counts against this file only.
   */
  async classify(
    error: UploadError,
    stopping: boolean,
  ): Promise<{ error: UploadError; destinationWide: boolean }> {
    const { connectivity } = this.ctx;
    if (error.kind === 'offline') return { error, destinationWide: true };
    if (stopping || !mayBeDestinationWide(error)) return { error, destinationWide: false };
    // Already paused for the destination: this failure is more of the same, not the file's.
    if (!connectivity.online) return { error, destinationWide: true };
    const problem = await connectivity.check();
    if (!problem) return { error, destinationWide: false };
    // A store too busy even for the probe is a busy store: retry later, count nothing.
    return { error: problem, destinationWide: problem.kind !== 'throttled' && problem.kind !== 'server' };
  }

  /** The file went up: its busy streak is over. */
  succeeded(fileId: number): void {
    this.busyStreak.delete(fileId);
  }

  /** The destination, not the file, is the problem: the file waits in the queue, its attempts untouched. */
  pause(error: UploadError, fileId: number): void {
    const { connectivity, queue, name } = this.ctx;
    // While paused, a straggler's failure neither changes the reason nor the operator's message.
    if (connectivity.online) connectivity.pause(pauseReasonFor(error), error.message);
    const why = PAUSE_WORDS[connectivity.pausedFor ?? pauseReasonFor(error)];
    requeueDelivery(
      queue,
      name,
      fileId,
      `${why}: ${error.message}; uploads paused, the file waits`,
      error.message,
    );
  }

  /** The file's own failure: counted (or a busy store's, not counted), or the local file changed or went. */
  count(fileId: number, attempts: number, error: UploadError): void {
    const outcome = this.outcomeFor(fileId, attempts, error);
    if (outcome.to !== 'failed') this.busyStreak.delete(fileId);
    applyOutcome(this.ctx.queue, this.ctx.name, fileId, outcome);
  }

  private outcomeFor(fileId: number, attempts: number, error: UploadError): FailureOutcome {
    const { settings, now, random } = this.ctx;
    const fromSource = sourceOutcome(error);
    if (fromSource) return fromSource;
    if (isBusyStore(error)) {
      const streak = (this.busyStreak.get(fileId) ?? 0) + 1;
      this.busyStreak.set(fileId, streak);
      return busyStoreOutcome(error, streak, settings, now(), random);
    }
    return countedOutcome(error, attempts, settings, now(), random);
  }
}
