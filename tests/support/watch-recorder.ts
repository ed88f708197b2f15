import type { ResolvedFolder } from '../../main/engine/config/types.ts';
import type { FolderWatching, RemovedFile, SeenFile, WatchProblem } from '../../main/engine/watch/index.ts';
import { CaptureWatcher, type CaptureWatcherOptions } from '../../main/engine/watch/index.ts';

export interface Recorded {
  watcher: CaptureWatcher;
  files: (SeenFile & { at: number })[];
  removed: RemovedFile[];
  problems: WatchProblem[];
  watching: FolderWatching[];
}

/** Starts a real CaptureWatcher, records everything it emits, and always stops it afterwards. */
export async function withWatcher(
  folders: ResolvedFolder[],
  run: (recorded: Recorded) => Promise<void>,
  options: CaptureWatcherOptions = {},
): Promise<void> {
  const watcher = new CaptureWatcher(folders, options);
  const recorded: Recorded = { watcher, files: [], removed: [], problems: [], watching: [] };
  watcher.on('file', (file) => recorded.files.push({ ...file, at: Date.now() }));
  watcher.on('removed', (file) => recorded.removed.push(file));
  watcher.on('problem', (problem) => recorded.problems.push(problem));
  watcher.on('watching', (folder) => recorded.watching.push(folder));
  try {
    await watcher.start();
    await run(recorded);
  } finally {
    await watcher.stop();
  }
}
