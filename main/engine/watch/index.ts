export { classifyName, finalNameForTemp, finalNamesForTemp, type NameClass } from './names.ts';
export { type ScanBatch, type ScanOptions, scanFolder } from './scan.ts';
export type { CaptureWatcherEvents, FolderWatching, RemovedFile, SeenFile, WatchProblem } from './types.ts';
export { CaptureWatcher, type CaptureWatcherOptions } from './watcher.ts';
