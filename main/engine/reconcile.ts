import type { ResolvedConfig, ResolvedFolder } from './config/types.ts';
import type { Pipeline } from './pipeline.ts';
import type { CaptureQueue } from './queue/queue.ts';
import type { DiscoveredFile } from './queue/types.ts';
import { type CaptureWatcher, scanFolder, type WatchProblem } from './watch/index.ts';
import { confirmGone } from './watch/problems.ts';

/**
 * The catch-up scan at start and the periodic reconciliation scan: finds files that
 * arrived while the engine was down or that events missed, and files that vanished.
 * Only new or changed files are handed to the pipeline, so a rescan of a big folder is cheap.
 */
export class Reconciler {
  private config: ResolvedConfig;
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

  /** A live config change: the next pass scans the new folder list (a pass under way stops at removed folders). */
  setConfig(config: ResolvedConfig): void {
    this.config = config;
  }

  runPeriodically(intervalMs: number): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
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
    for (const [index, folder] of this.config.folders.entries()) {
      if (this.stopped) return;
      const seen = new Set<string>();
      let completed = true;
      try {
        for await (const batch of scanFolder(folder, { now: this.now(), onProblem: this.onProblem })) {
          if (this.stopped) return;
          if (!this.config.folders.some((f) => f.id === folder.id)) break;
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
      const stillWatched = this.config.folders.some((f) => f.id === folder.id);
      if (completed && stillWatched) await this.markMissing(folder, index, seen);
    }
  }

  private onlyNewOrChanged(files: readonly DiscoveredFile[]): DiscoveredFile[] {
    const known = this.queue.lookup(files.map((file) => file.absPath));
    return files.filter((file) => {
      const entry = known.get(file.absPath);
      return !entry || entry.size !== file.size || entry.mtimeMs !== Math.floor(file.mtimeMs);
    });
  }

  /**
   * Files the queue still needs that the scan did not find: confirm with stat, then mark vanished.
   * Only "no such file" means gone; a permission or I/O error (an unreadable subfolder, a flaky
   * network mount) is a problem to fix and leaves the file's state alone.
   */
  private async markMissing(folder: ResolvedFolder, index: number, seen: ReadonlySet<string>): Promise<void> {
    const ref = { folderId: folder.id, root: folder.path, configPath: `folders[${index}].path` };
    // One problem per kind of error, not one per file under an unreadable folder.
    const unchecked = new Map<string, { problem: WatchProblem; count: number }>();
    for (const path of this.queue.activePaths(folder.id)) {
      if (seen.has(path)) continue;
      const found = await confirmGone(ref, path);
      if (found === 'gone') this.queue.markVanished(path);
      else if (found !== 'here') {
        const first = unchecked.get(found.code);
        if (first) first.count++;
        else unchecked.set(found.code, { problem: found, count: 1 });
      }
    }
    for (const { problem, count } of unchecked.values()) {
      const kept =
        count === 1
          ? 'The queue still needs this file; it keeps its state (it is not marked vanished) until it can be checked again.'
          : `It and ${count - 1} more files the queue still needs keep their state (they are not marked vanished) until they can be checked again.`;
      this.onProblem({ ...problem, message: `${problem.message} ${kept}` });
    }
  }
}
