import type { ResolvedConfig, ResolvedFolder } from './config/types.ts';
import type { Pipeline } from './pipeline.ts';
import type { KnownFile } from './queue/file-queries.ts';
import { type CaptureQueue, VANISH_CHECKED } from './queue/queue.ts';
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
  private next?: Promise<void>;
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

  /**
   * A pass that starts from now: one under way may already have passed the files that matter (those
   * that arrived in a burst the kernel did not report), so another follows it. Calls while one waits share it.
   */
  runFresh(): Promise<void> {
    if (!this.current) return this.runOnce();
    this.next ??= this.current.then(() => {
      this.next = undefined;
      return this.runOnce();
    });
    return this.next;
  }

  async idle(): Promise<void> {
    while (this.current || this.next) await (this.next ?? this.current);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  private async scanAll(): Promise<void> {
    for (const [index, folder] of this.config.folders.entries()) {
      if (this.stopped) return;
      const seen = new SeenOnDisk();
      let completed = true;
      try {
        for await (const batch of scanFolder(folder, { now: this.now(), onProblem: this.onProblem })) {
          if (this.stopped) return;
          if (!this.config.folders.some((f) => f.id === folder.id)) break;
          const known = this.queue.lookup([...batch.complete.map((file) => file.absPath), ...batch.pending]);
          for (const path of batch.pending) {
            seen.add(path, known.get(path));
            this.watcher.consider(folder.id, path);
          }
          // Only new or changed files need work, so a rescan of a big folder is cheap.
          const newOrChanged: DiscoveredFile[] = [];
          for (const file of batch.complete) {
            const entry = known.get(file.absPath);
            const changed = !entry || entry.size !== file.size || entry.mtimeMs !== Math.floor(file.mtimeMs);
            if (changed) newOrChanged.push(file);
            seen.add(file.absPath, entry, changed);
          }
          this.pipeline.intake(newOrChanged);
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

  /**
   * Files the queue still needs that the scan did not find: confirm with stat, then mark vanished.
   * Only "no such file" means gone; a permission or I/O error (an unreadable subfolder, a flaky
   * network mount) is a problem to fix and leaves the file's state alone.
   */
  private async markMissing(folder: ResolvedFolder, index: number, seen: SeenOnDisk): Promise<void> {
    const ref = { folderId: folder.id, root: folder.path, configPath: `folders[${index}].path` };
    // One problem per kind of error, not one per file under an unreadable folder.
    const unchecked = new Map<string, { problem: WatchProblem; count: number }>();
    for (const page of this.queue.activeFiles(folder.id)) {
      for (const { id, absPath } of page) {
        if (seen.has(id, absPath)) continue;
        const found = await confirmGone(ref, absPath);
        if (found === 'gone') this.queue.markVanished(absPath);
        else if (found !== 'here') {
          const first = unchecked.get(found.code);
          if (first) first.count++;
          else unchecked.set(found.code, { problem: found, count: 1 });
        }
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

const CHECKED_STATES: ReadonlySet<string> = new Set(VANISH_CHECKED);

/**
 * What a pass found on disk, kept small: markMissing asks only about files in VANISH_CHECKED states,
 * so a known file is remembered by id and only if it is in one of them (or about to be: changed files
 * go back to `discovered`), and a file the queue did not know (new: the pipeline records it now) by
 * path. A folder of a million files the queue already holds as uploaded costs nothing here; it was a
 * million paths (~100 MB of strings) before.
 */
class SeenOnDisk {
  private readonly ids = new Set<number>();
  private readonly paths = new Set<string>();

  add(absPath: string, known: KnownFile | undefined, changed = false): void {
    if (!known) this.paths.add(absPath);
    else if (changed || CHECKED_STATES.has(known.state)) this.ids.add(known.id);
  }

  has(id: number, absPath: string): boolean {
    return this.ids.has(id) || this.paths.has(absPath);
  }
}
