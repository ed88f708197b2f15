import type { BandwidthTimetable } from './bandwidth.ts';
import type { Throttle } from './types.ts';

/** Smallest burst the bucket allows, so low limits still move whole network writes. */
const MIN_BURST_BYTES = 64 * 1024;
/**
 * The bucket holds this much of a second's worth: after a pause (a HEAD, a part's completion)
 * the link sees at most this burst above the limit, so the limit is a cap over short windows
 * too, not only an average. Senders take in small pieces (paced-body.ts), so it need not be more.
 */
export const BURST_SECONDS = 0.1;
/** Longest sleep between refills: a timetable change is noticed within this time. */
const MAX_SLEEP_MS = 1000;

interface Waiter {
  bytes: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export interface LimiterClock {
  /** Monotonic milliseconds (performance.now()). */
  monotonic?: () => number;
  /** Wall clock, for the timetable. */
  date?: () => Date;
}

/**
 * One token bucket for every upload of the engine, so the limit holds for the whole site
 * link however many files are in flight. Waiters are served in order (no upload starves),
 * the bucket holds at most BURST_SECONDS' worth (at least 64 KiB), and a chunk larger than the
 * bucket runs it into debt that later takes repay, which keeps the long-run average exact.
 */
export class BandwidthLimiter implements Throttle {
  private timetable: BandwidthTimetable;
  private readonly monotonic: () => number;
  private readonly date: () => Date;
  private readonly waiters: Waiter[] = [];
  private tokens = 0;
  private lastRefill: number;
  private lastRate: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(timetable: BandwidthTimetable, clock: LimiterClock = {}) {
    this.timetable = timetable;
    this.monotonic = clock.monotonic ?? (() => performance.now());
    this.date = clock.date ?? (() => new Date());
    this.lastRefill = this.monotonic();
    this.lastRate = this.currentLimit();
  }

  /** Swaps the timetable; waiting takes are re-paced at once. */
  setTimetable(timetable: BandwidthTimetable): void {
    this.refill();
    this.timetable = timetable;
    this.pump();
  }

  /** The limit in force now (bytes/s), or undefined when unlimited. */
  currentLimit(): number | undefined {
    return this.timetable.limitAt(this.date());
  }

  take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (bytes <= 0 || (this.waiters.length === 0 && this.currentLimit() === undefined))
      return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.waiters.indexOf(waiter);
          if (index < 0) return;
          this.waiters.splice(index, 1);
          reject(signal?.reason);
          if (index === 0) this.pump();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
      if (this.waiters.length === 1) this.pump();
    });
  }

  private refill(): void {
    const now = this.monotonic();
    const rate = this.currentLimit();
    if (rate !== this.lastRate) {
      // A new limit starts from an empty bucket rather than a burst saved up under the old one.
      this.tokens = Math.min(this.tokens, 0);
      this.lastRate = rate;
    } else if (rate !== undefined) {
      this.tokens = Math.min(this.tokens + ((now - this.lastRefill) / 1000) * rate, capacity(rate));
    }
    this.lastRefill = now;
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.refill();
    while (this.waiters.length > 0) {
      const head = this.waiters[0]!;
      const rate = this.lastRate;
      if (rate === undefined) {
        this.release(head);
        continue;
      }
      const need = Math.min(head.bytes, capacity(rate));
      if (this.tokens >= need) {
        this.tokens -= head.bytes;
        this.release(head);
        continue;
      }
      const wait = Math.min(((need - this.tokens) / rate) * 1000, MAX_SLEEP_MS);
      this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(wait)));
      return;
    }
  }

  private release(waiter: Waiter): void {
    this.waiters.shift();
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve();
  }
}

/** Bytes the bucket may hold at this rate: the most that may go out at once after a pause. */
export function burstBytes(rate: number): number {
  return Math.max(rate * BURST_SECONDS, MIN_BURST_BYTES);
}
const capacity = burstBytes;
