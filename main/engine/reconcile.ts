import { stat } from 'node:fs/promises';
import type { ResolvedConfig } from './config/types.ts';
import type { Pipeline } from './pipeline.ts';
import type { CaptureQueue } from './queue/queue.ts';
import type { DiscoveredFile } from './queue/types.ts';
import { type CaptureWatcher, scanFolder, type WatchProblem } from './watch/index.ts';

/**
 * The catch-up scan at start and the periodic reconciliation scan: finds files that
 * arrived while the engine was down or that events missed, and files that vanished.
 * Only new or changed files are handed to the pipeline, so a rescan of a big folder is cheap.
 */
export class Reconciler {
  private readonly config: ResolvedConfig;
  private readonly queue: CaptureQueue;
  private readonly pipeline: Pipeline;
  private readonly watcher: CaptureWatcher;
  private readonly now: () => number;
  private readonly onProblem: (problem: WatchProblem) => void;
  private timer?: NodeJS.Timeout;
  private current?: Promise<void>;
  private stopped = false;

  constructor(
    config: ResolvedConfig,
    queue: CaptureQueue,
    pipeline: Pipeline,
    watcher: CaptureWatcher,
    now: () => number,
    onProblem: (problem: WatchProblem) => void,
  ) {
    this.config = config;
    this.queue = queue;
    this.pipeline = pipeline;
    this.watcher = watcher;
    this.now = now;
    this.onProblem = onProblem;
  }

  runPeriodically(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.runOnce(), intervalMs);
    this.timer.unref();
  }

  /** One full pass over every folder. Concurrent calls share the pass in progress. */
  runOnce(): Promise<void> {
    this.current ??= this.scanAll().finally(() => (this.current = undefined));
    return this.current;
  }

  async idle(): Promise<void> {
    while (this.current) await this.current;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  private async scanAll(): Promise<void> {
    for (const folder of this.config.folders) {
      if (this.stopped) return;
      const seen = new Set<string>();
      let completed = true;
      try {
        for await (const batch of scanFolder(folder, { now: this.now(), onProblem: this.onProblem })) {
          if (this.stopped) return;
          for (const file of batch.complete) seen.add(file.absPath);
          for (const path of batch.pending) {
            seen.add(path);
            this.watcher.consider(folder.id, path);
          }
          this.pipeline.intake(this.onlyNewOrChanged(batch.complete));
        }
      } catch (error) {
        completed = false;
        this.onProblem({
          folderId: folder.id,
          path: folder.path,
          code: (error as NodeJS.ErrnoException).code ?? 'SCAN_FAILED',
          message: `Could not scan ${folder.path}: ${(error as Error).message}`,
          hint: 'Check that the folder exists and is readable by the Edge Capture user',
          fatal: false,
        });
      }
      if (completed) await this.markMissing(folder.id, seen);
    }
  }

  private onlyNewOrChanged(files: readonly DiscoveredFile[]): DiscoveredFile[] {
    const known = this.queue.lookup(files.map((file) => file.absPath));
    return files.filter((file) => {
      const entry = known.get(file.absPath);
      return !entry || entry.size !== file.size || entry.mtimeMs !== Math.floor(file.mtimeMs);
    });
  }

  /** Files the queue still needs that the scan did not find: confirm with stat, then mark vanished. */
  private async markMissing(folderId: string, seen: ReadonlySet<string>): Promise<void> {
    for (const path of this.queue.activePaths(folderId)) {
      if (seen.has(path)) continue;
      const exists = await stat(path).then(
        () => true,
        () => false,
      );
      if (!exists) this.queue.markVanished(path);
    }
  }
}
