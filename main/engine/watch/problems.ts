import { stat } from 'node:fs/promises';
import type { WatchProblem } from './types.ts';

/** Where the folder is configured, for hints: `folders[2].path` or `the folder "cam1"`. */
export interface FolderRef {
  folderId: string;
  /** Root of the capture folder. */
  root: string;
  configPath: string;
}

export function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return 'EUNKNOWN';
}

function errorPath(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'path' in error && typeof error.path === 'string') {
    return error.path;
  }
  return undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Turns a filesystem error into a problem an operator can act on. `where` is the path that failed
 * (the error's own path wins when it has one); `doing` says what we were trying, e.g. "watch".
 */
export function describeFsError(ref: FolderRef, error: unknown, where: string, doing: string): WatchProblem {
  const code = errorCode(error);
  const failedPath = errorPath(error) ?? where;
  const isRoot = failedPath === ref.root;
  const base = { folderId: ref.folderId, path: failedPath, code };
  const thing = isRoot
    ? `capture folder "${ref.folderId}" (${failedPath})`
    : `${failedPath} in folder "${ref.folderId}"`;
  switch (code) {
    case 'ENOSPC':
      return {
        ...base,
        message: `Cannot ${doing} ${thing}: the system limit on inotify watches is used up, so new files there are not seen.`,
        hint: 'raise fs.inotify.max_user_watches (e.g. sysctl fs.inotify.max_user_watches=524288) or set `polling: true` for this folder',
        fatal: true,
      };
    case 'EMFILE':
    case 'ENFILE':
      return {
        ...base,
        message: `Cannot ${doing} ${thing}: the process has too many open files, so new files there are not seen.`,
        hint: 'raise the open-file limit of the service (e.g. `ulimit -n 65536`, or LimitNOFILE=65536 in its systemd unit) or set `polling: true` for this folder',
        fatal: true,
      };
    case 'ENOENT':
      return {
        ...base,
        message: `The ${thing} does not exist.`,
        hint: isRoot
          ? `create the folder (or mount the drive it lives on), or fix \`${ref.configPath}\``
          : 'nothing to do if the file or folder was just removed',
        fatal: isRoot,
      };
    case 'ENOTDIR':
      return {
        ...base,
        message: `The ${thing} is not a folder (it, or something above it, is a file), so nothing in it can be watched.`,
        hint: `point \`${ref.configPath}\` at the folder that holds the captured files`,
        fatal: isRoot,
      };
    case 'EACCES':
    case 'EPERM':
      return {
        ...base,
        message: `Permission denied when trying to ${doing} ${thing}.`,
        hint: 'give the user that runs edge-capture read and execute permission on it (e.g. `chmod -R u+rX` or `chown`), or run the service as a user that can read it',
        fatal: isRoot,
      };
    default:
      return {
        ...base,
        message: `Cannot ${doing} ${thing}: ${errorText(error)}`,
        hint: 'check that the folder is reachable (mounted, not failing with I/O errors); the watcher keeps going',
        fatal: false,
      };
  }
}

/**
 * Whether a file is really gone. Only "no such file" (ENOENT, or ENOTDIR when a folder on its path
 * became a file) says so; a permission or I/O error (an unreadable subfolder, a flaky network
 * mount) is a problem to fix, and must not cost the file its place in the queue.
 */
export async function confirmGone(ref: FolderRef, absPath: string): Promise<'gone' | 'here' | WatchProblem> {
  try {
    await stat(absPath);
    return 'here';
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'gone';
    return describeFsError(ref, error, absPath, 'check');
  }
}
