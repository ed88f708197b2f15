/** Bytes per second over the last few seconds, for the status line. */
export class RateMeter {
  private readonly windowMs: number;
  private readonly now: () => number;
  private samples: { at: number; bytes: number }[] = [];

  constructor(windowMs = 5000, now: () => number = () => performance.now()) {
    this.windowMs = windowMs;
    this.now = now;
  }

  add(bytes: number): void {
    const at = this.now();
    const last = this.samples.at(-1);
    // Writes within the same 100 ms share a sample, so a fast link does not grow the list.
    if (last && at - last.at < 100) last.bytes += bytes;
    else this.samples.push({ at, bytes });
    this.prune(at);
  }

  bytesPerSecond(): number {
    const now = this.now();
    this.prune(now);
    const first = this.samples[0];
    if (!first) return 0;
    const total = this.samples.reduce((sum, sample) => sum + sample.bytes, 0);
    const span = Math.max(now - first.at, 1000);
    return Math.round((total * 1000) / Math.min(span, this.windowMs));
  }

  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    let drop = 0;
    while (drop < this.samples.length && this.samples[drop]!.at < cutoff) drop++;
    if (drop > 0) this.samples = this.samples.slice(drop);
  }
}
