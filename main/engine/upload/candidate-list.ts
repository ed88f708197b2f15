/**
 * The next files to upload, in order, read from the queue in batches: one query serves several rounds
 * of launches. Each id is rechecked as it is claimed, so a list a little old is harmless.
 */
export class CandidateList {
  private readonly read: (now: number, limit: number) => number[];
  private readonly batchSize: () => number;
  private ids: number[] = [];
  /** Something may have become uploadable since the list was read: read again before giving up. */
  private stale = true;
  /** The last read found every uploadable file (fewer than it asked for). */
  private complete = false;

  constructor(options: { read: (now: number, limit: number) => number[]; batchSize: () => number }) {
    this.read = options.read;
    this.batchSize = options.batchSize;
  }

  /** The next id, reading a new batch when the list ran out and more may be waiting. */
  next(now: number): number | undefined {
    if (this.ids.length === 0 && (this.stale || !this.complete)) {
      const limit = this.batchSize();
      this.ids = this.read(now, limit);
      this.stale = false;
      this.complete = this.ids.length < limit;
    }
    return this.ids.shift();
  }

  /** More may be uploadable (a retry came due): read again once the list runs out. */
  markStale(): void {
    this.stale = true;
  }

  /** The candidates may have changed: drop the list and read afresh at the next claim. */
  readAgain(): void {
    this.stale = true;
    this.ids = [];
  }
}
