import type { EventPayload } from '../../shared/contract/index.ts';
import type { DestinationStatus } from '../engine/upload/fan-out.ts';

type Progress = EventPayload<'upload.progress'>;

/**
 * Bytes sent per upload in flight, for progress bars: read from the uploaders twice a second while
 * anything is in flight (one last empty event when it stops), never otherwise.
 */
export class ProgressFeed {
  private timer: NodeJS.Timeout | undefined;
  private lastWasEmpty = true;
  private readonly statuses: () => DestinationStatus[];
  private readonly send: (progress: Progress) => void;
  private readonly everyMs: number;

  constructor(statuses: () => DestinationStatus[], send: (progress: Progress) => void, everyMs = 500) {
    this.statuses = statuses;
    this.send = send;
    this.everyMs = everyMs;
  }

  /** Something moved (a change, a status): make sure the feed is ticking. */
  poke(): void {
    this.timer ??= setTimeout(() => this.tick(), this.everyMs);
    this.timer.unref?.();
  }

  private tick(): void {
    this.timer = undefined;
    const items = this.statuses().flatMap((status) =>
      status.inFlight.map((job) => ({
        fileId: job.fileId,
        destination: status.name,
        sentBytes: Math.min(job.bytesSent, job.size),
        totalBytes: job.size,
      })),
    );
    if (items.length === 0 && this.lastWasEmpty) return;
    this.lastWasEmpty = items.length === 0;
    this.send({ items });
    if (items.length > 0) this.poke();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
