/** A file the watcher or a scan decided is complete and can be handed on to inspection. */
export interface SeenFile {
  folderId: string;
  absPath: string;
  /** Relative to the capture folder, always with `/` separators. */
  relPath: string;
  size: number;
  mtimeMs: number;
  /** rename: renamed into place (or the folder promises atomic writes); stable: size/mtime settled; scan: found settled by a scan. */
  via: 'rename' | 'stable' | 'scan';
}

/**
 * Something the operator should know about a folder. `fatal` means new files in the folder (or a
 * part of it) are not being seen until this is fixed; scans may still find them.
 */
export interface WatchProblem {
  folderId: string;
  path: string;
  /** The OS error code (ENOENT, ENOSPC, EACCES, ...) or a short name of our own. */
  code: string;
  message: string;
  /** What to do about it, in a sentence. */
  hint: string;
  fatal: boolean;
}

export interface RemovedFile {
  folderId: string;
  absPath: string;
  relPath: string;
}

/** A folder's watcher is up: `recovered` when it had a problem before, so a catch-up scan is due. */
export interface FolderWatching {
  folderId: string;
  path: string;
  recovered: boolean;
}

export interface CaptureWatcherEvents {
  file: [SeenFile];
  removed: [RemovedFile];
  problem: [WatchProblem];
  watching: [FolderWatching];
}
