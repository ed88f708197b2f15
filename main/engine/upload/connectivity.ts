import { UploadError, type UploadErrorKind } from './types.ts';

/**
 * Why the uploader stopped starting uploads: the destination is unreachable, refuses us as a
 * whole, is set up so that every upload fails, or is full.
 */
export type PauseReason = 'offline' | 'auth' | 'permission' | 'not_found' | 'misconfigured' | 'full';

export const PAUSE_KINDS: ReadonlySet<UploadErrorKind> = new Set<PauseReason>([
  'offline',
  'auth',
  'permission',
  'not_found',
  'misconfigured',
  'full',
]);

/** Operator words for each reason, as the queue's notes and the file history say them. */
export const PAUSE_WORDS: Readonly<Record<PauseReason, string>> = {
  offline: 'destination unreachable',
  auth: 'destination refuses our credentials',
  permission: 'destination refuses access',
  not_found: 'destination missing',
  misconfigured: 'destination set up so that no upload can succeed',
  full: 'destination full',
};

/** A failure the probe hit too is the destination's; one of no known pause kind still stops every upload. */
export function pauseReasonFor(error: UploadError): PauseReason {
  return PAUSE_KINDS.has(error.kind) ? (error.kind as PauseReason) : 'misconfigured';
}

export interface ConnectivityOptions {
  probe: (signal: AbortSignal) => Promise<void>;
  intervalMs: number;
  timeoutMs: number;
  now: () => number;
  random: () => number;
  /** Called on every change of online/offline or of the reason; `downForMs` is set when back online. */
  onChange: (downForMs: number | undefined) => void;
  /** The outage the last run saw, unresolved when it stopped: kept until something succeeds. */
  offlineSinceBeforeRestart?: number;
}

/**
 * Whether uploads may start. While paused, one cheap probe runs every interval (±10% so a
 * fleet of devices does not probe in step) instead of every queued file hammering a dead link;
 * the first probe that succeeds resumes uploads.
 */
export class Connectivity {
  online = true;
  pausedFor: PauseReason | undefined;
  offlineSince: number | undefined;
  lastError: string | undefined;
  nextProbeAt: number | undefined;
  probes = 0;
  private readonly options: ConnectivityOptions;
  private timer: NodeJS.Timeout | undefined;
  private inProgress: Promise<UploadError | undefined> | undefined;
  private controller = new AbortController();

  private unresolvedOutageSince: number | undefined;

  constructor(options: ConnectivityOptions) {
    this.options = options;
    this.unresolvedOutageSince = options.offlineSinceBeforeRestart;
  }

  /** Stops starting uploads and begins probing (if not already). */
  pause(reason: PauseReason, message: string): void {
    const changed = this.online || this.pausedFor !== reason;
    if (this.online) this.offlineSince = this.unresolvedOutageSince ?? this.options.now();
    this.online = false;
    this.pausedFor = reason;
    this.lastError = message;
    if (!this.timer && !this.inProgress) this.scheduleProbe();
    if (changed) this.options.onChange(undefined);
  }

  /** Evidence that the store works (a probe or an upload succeeded). */
  markOnline(): void {
    this.unresolvedOutageSince = undefined;
    if (this.online) return;
    const downForMs = this.options.now() - (this.offlineSince ?? this.options.now());
    this.online = true;
    this.pausedFor = undefined;
    this.offlineSince = undefined;
    this.nextProbeAt = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.options.onChange(downForMs);
  }

  /** One probe now (shared with any probe already running): undefined when the store answered. */
  check(): Promise<UploadError | undefined> {
    this.inProgress ??= this.runProbe().finally(() => {
      this.inProgress = undefined;
    });
    return this.inProgress;
  }

  /** Ends probing for good (until restart()). */
  stop(): void {
    this.controller.abort(new Error('uploader stopping'));
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.nextProbeAt = undefined;
  }

  restart(): void {
    this.controller = new AbortController();
    if (!this.online) this.scheduleProbe();
  }

  private scheduleProbe(): void {
    if (this.controller.signal.aborted) return;
    const delay = Math.round(this.options.intervalMs * (0.9 + 0.2 * this.options.random()));
    this.nextProbeAt = this.options.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.probeWhilePaused();
    }, delay);
  }

  private async probeWhilePaused(): Promise<void> {
    const error = await this.check();
    if (this.controller.signal.aborted || this.online) return;
    if (!error) {
      this.markOnline();
      return;
    }
    this.lastError = error.message;
    // An unreachable store that now refuses our credentials (or the reverse) is reported as what
    // it is now; a busy store says nothing new about why we paused.
    const reason =
      error.kind === 'throttled' || error.kind === 'server' ? this.pausedFor : pauseReasonFor(error);
    if (reason !== this.pausedFor) {
      this.pausedFor = reason;
      this.options.onChange(undefined);
    }
    this.scheduleProbe();
  }

  private async runProbe(): Promise<UploadError | undefined> {
    this.probes++;
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.options.timeoutMs)]);
    try {
      await this.options.probe(signal);
      return undefined;
    } catch (error) {
      return asUploadError(error);
    }
  }
}

/** Destinations throw UploadError; anything else (a bug, an abort) is reported without a guessed kind. */
export function asUploadError(error: unknown): UploadError {
  if (error instanceof UploadError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  return new UploadError(timedOut ? 'offline' : 'bad_request', timedOut ? `no answer: ${message}` : message, {
    cause: error,
  });
}
