import type { QueueChange } from '../engine/queue/types.ts';

/** Changes sent in one `queue.changed` event at most; a UI that sees a gap in seq catches up by request. */
export const MAX_CHANGES_PER_EVENT = 200;

/**
 * Gathers queue changes and hands them on at most once per interval, so 1,000 new files a second
 * become ten small updates instead of a thousand. Only the newest changes are kept between flushes.
 */
export class ChangeCoalescer {
  private pending: QueueChange[] = [];
  private lastSeq = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  private readonly flush: (changes: QueueChange[], lastSeq: number) => void;

  constructor(intervalMs: number, flush: (changes: QueueChange[], lastSeq: number) => void) {
    this.intervalMs = intervalMs;
    this.flush = flush;
  }

  add(changes: readonly QueueChange[]): void {
    if (changes.length === 0) return;
    this.pending.push(...changes);
    if (this.pending.length > MAX_CHANGES_PER_EVENT)
      this.pending = this.pending.slice(-MAX_CHANGES_PER_EVENT);
    this.lastSeq = Math.max(this.lastSeq, changes.at(-1)?.seq ?? 0);
    this.timer ??= setTimeout(() => this.emit(), this.intervalMs);
  }

  private emit(): void {
    this.timer = undefined;
    const changes = this.pending;
    this.pending = [];
    this.flush(changes, this.lastSeq);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }
}
