/**
 * Notices a burst of arrivals, and says when it is over. Linux's inotify queue holds 16,384 events
 * (`fs.inotify.max_queued_events`) for the whole process; a burst of a few thousand files while the
 * main thread is busy can overflow it, and the kernel then drops events silently (Node reports no
 * overflow). The files are still on disk: a scan after the burst finds them within seconds, instead of
 * at the next periodic reconciliation (default 5 minutes). Seen in the capture bench: 77–2,870 of
 * 20,000 files renamed in at full speed were never reported by the watcher.
 */
export interface BurstOptions {
  /** Arrivals within one second that make a burst (default 1,000). */
  perSecond?: number;
  /** Quiet time after the last arrival before the burst counts as over (default 2 s). */
  quietMs?: number;
  /** Least time between two "burst over" calls (default 60 s): a scan of big folders is not free. */
  cooldownMs?: number;
  now?: () => number;
}

export class BurstDetector {
  private readonly perSecond: number;
  private readonly quietMs: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private readonly onOver: (arrivals: number) => void;
  private windowStart = 0;
  private inWindow = 0;
  /** Arrivals since the burst began (0: no burst going on). */
  private burst = 0;
  private lastOver = Number.NEGATIVE_INFINITY;
  private quiet?: NodeJS.Timeout;
  /** Arrivals of bursts over but not yet reported (a call waiting for the cooldown). */
  private pending = 0;
  private deferred?: NodeJS.Timeout;

  constructor(onOver: (arrivals: number) => void, options: BurstOptions = {}) {
    this.onOver = onOver;
    this.perSecond = options.perSecond ?? 1000;
    this.quietMs = options.quietMs ?? 2000;
    this.cooldownMs = options.cooldownMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** One file arrived (reported by the watcher). */
  note(): void {
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    this.inWindow++;
    if (this.burst === 0 && this.inWindow >= this.perSecond) this.burst = this.inWindow - 1;
    if (this.burst === 0) return;
    this.burst++;
    // Re-armed on every arrival of the burst: it is over once nothing arrived for quietMs.
    if (this.quiet) clearTimeout(this.quiet);
    this.quiet = setTimeout(() => this.over(), this.quietMs);
    this.quiet.unref();
  }

  stop(): void {
    for (const timer of [this.quiet, this.deferred]) if (timer) clearTimeout(timer);
    this.quiet = undefined;
    this.deferred = undefined;
    this.burst = 0;
    this.pending = 0;
  }

  private over(): void {
    this.quiet = undefined;
    this.pending += this.burst;
    this.burst = 0;
    // Within the cooldown: once, when it ends (a burst is never forgotten, only folded into the next call).
    const wait = this.lastOver + this.cooldownMs - this.now();
    if (wait > 0) {
      this.deferred ??= setTimeout(() => {
        this.deferred = undefined;
        this.fire();
      }, wait);
      this.deferred.unref();
      return;
    }
    this.fire();
  }

  private fire(): void {
    this.lastOver = this.now();
    const arrivals = this.pending;
    this.pending = 0;
    this.onOver(arrivals);
  }
}
