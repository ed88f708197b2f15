import { EventEmitter } from 'node:events';
import { lstatSync, type Stats } from 'node:fs';
import { access, constants, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { type ChokidarOptions, type FSWatcher, watch } from 'chokidar';
import type { ResolvedFolder } from '../config/types.ts';
import { FolderCompletion } from './completion.ts';
import { classifyName, isIgnoredDir, isTempBaseName, toRelPosix } from './names.ts';
import { OwnedFiles } from './owned.ts';
import { describeFsError, type FolderRef } from './problems.ts';
import type { CaptureWatcherEvents, WatchProblem } from './types.ts';

export interface CaptureWatcherOptions {
  now?: () => number;
  /** How often a missing or unusable folder is checked again. */
  retryIntervalMs?: number;
  /** start() stops waiting for a folder's initial walk after this; watching goes on regardless. */
  readyTimeoutMs?: number;
}

const DEFAULT_RETRY_MS = 5_000;
const DEFAULT_READY_TIMEOUT_MS = 60_000;
/** Distinct problems remembered per folder so a flood (one per subdirectory) is reported once each. */
const MAX_REPORTED = 1_000;

interface FolderState {
  folder: ResolvedFolder;
  ref: FolderRef;
  completion: FolderCompletion;
  chokidar: FSWatcher | undefined;
  retryTimer: NodeJS.Timeout | undefined;
  hadProblem: boolean;
  reported: Set<string>;
  /** Files taken from raw events, which chokidar leaves alone (see #onRawName). */
  owned: OwnedFiles;
}

/**
 * Watches every capture folder and emits `file` once a file is complete (see completion.ts),
 * `removed` when a file is unlinked, `problem` for anything an operator must fix, and `watching`
 * when a folder's watcher is up (after a problem: run a catch-up scan, files may have arrived).
 */
export class CaptureWatcher extends EventEmitter<CaptureWatcherEvents> {
  readonly #states = new Map<string, FolderState>();
  readonly #retryMs: number;
  readonly #readyTimeoutMs: number;
  #stopped = false;
  #started = false;
  #now: () => number = Date.now;
  /** Folders taken out while running: scans of them still under way are ignored, not errors. */
  readonly #removed = new Set<string>();
  /** Resolves when stop() is called, so nothing waits on a watcher that was closed mid-start. */
  readonly #stopping: Promise<boolean>;
  #signalStop: () => void = () => {};

  constructor(folders: ResolvedFolder[], options: CaptureWatcherOptions = {}) {
    super();
    this.#stopping = new Promise<boolean>((resolve) => {
      this.#signalStop = () => resolve(true);
    });
    const now = options.now ?? Date.now;
    this.#retryMs = options.retryIntervalMs ?? DEFAULT_RETRY_MS;
    this.#readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    folders.forEach((folder, index) => {
      const first = folders.findIndex((other) => other.id === folder.id);
      if (first !== index) {
        throw new Error(
          `folders[${index}] has the same id "${folder.id}" as folders[${first}]; give each folder a unique \`id\`.`,
        );
      }
    });
    this.#now = now;
    for (const [index, folder] of folders.entries())
      this.#states.set(folder.id, this.#makeState(folder, index));
  }

  #makeState(folder: ResolvedFolder, index: number): FolderState {
    const ref: FolderRef = {
      folderId: folder.id,
      root: path.resolve(folder.path),
      configPath: `folders[${index}].path`,
    };
    const state: FolderState = {
      folder: { ...folder, path: ref.root },
      ref,
      completion: new FolderCompletion({ ...folder, path: ref.root }, ref, this.#now, {
        file: (file) => this.#emitSafely('file', file),
        problem: (problem) => this.#report(state, problem),
      }),
      chokidar: undefined,
      retryTimer: undefined,
      hadProblem: false,
      reported: new Set(),
      owned: new OwnedFiles(this.#now),
    };
    return state;
  }

  /**
   * Starts watching one more folder while the others go on (a live config change); resolves once it
   * is watched or has reported why it is not. `index` is its place in the config's folder list.
   */
  async addFolder(folder: ResolvedFolder, index: number): Promise<void> {
    if (this.#states.has(folder.id)) {
      throw new Error(`addFolder(): a capture folder with id "${folder.id}" is already watched.`);
    }
    const state = this.#makeState(folder, index);
    this.#states.set(folder.id, state);
    this.#removed.delete(folder.id);
    if (this.#started && !this.#stopped) await this.#open(state);
  }

  /**
   * Stops watching one folder (a live config change); the others go on. New files there are no
   * longer seen; files already handed on are the queue's business.
   */
  async removeFolder(folderId: string): Promise<void> {
    const state = this.#states.get(folderId);
    if (!state) return;
    this.#states.delete(folderId);
    this.#removed.add(folderId);
    await this.#close(state);
  }

  async #close(state: FolderState): Promise<void> {
    clearTimeout(state.retryTimer);
    state.owned.clear();
    state.completion.close();
    const watcher = state.chokidar;
    state.chokidar = undefined;
    await watcher?.close();
  }

  /** The watcher was stopped, or this folder was taken out of it. */
  #gone(state: FolderState): boolean {
    return this.#stopped || this.#states.get(state.folder.id) !== state;
  }

  /** Starts watching every folder; resolves once each is watched or has reported why it is not. */
  async start(): Promise<void> {
    if (this.#started)
      throw new Error('CaptureWatcher.start() was called twice; create a new watcher instead.');
    this.#started = true;
    await Promise.all([...this.#states.values()].map((state) => this.#open(state)));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#signalStop();
    await Promise.all([...this.#states.values()].map((state) => this.#close(state)));
  }

  /** Runs a file found by a scan, but not yet settled, through the completeness check. */
  consider(folderId: string, absPath: string): void {
    const state = this.#states.get(folderId);
    // A folder taken out by a live config change while a scan of it was under way: nothing to do.
    if (!state && this.#removed.has(folderId)) return;
    if (!state) throw new Error(`consider(): no capture folder has id "${folderId}".`);
    if (this.#stopped) return;
    const resolved = path.resolve(absPath);
    const rel = toRelPosix(state.ref.root, resolved);
    if (!this.#inScope(state, rel)) return;
    if (classifyName(state.folder, rel) === 'candidate') state.completion.candidate(resolved, 'consider');
  }

  /** Per folder: files waiting to settle, remembered temp names, recent hand-ons (all bounded). */
  trackedState(): Record<string, { pending: number; tempNames: number; recent: number; watching: boolean }> {
    const out: Record<string, { pending: number; tempNames: number; recent: number; watching: boolean }> = {};
    for (const [id, state] of this.#states) {
      out[id] = { ...state.completion.sizes(), watching: state.chokidar !== undefined };
    }
    return out;
  }

  async #open(state: FolderState): Promise<void> {
    state.retryTimer = undefined;
    if (this.#gone(state)) return;
    const checked = await this.#checkRoot(state);
    if (this.#gone(state)) return;
    if ('problem' in checked) {
      const unusable = checked.problem;
      this.#report(state, {
        ...unusable,
        fatal: true,
        message: `${unusable.message} Checking again every ${formatMs(this.#retryMs)}.`,
      });
      state.hadProblem = true;
      state.retryTimer = setTimeout(() => void this.#open(state), this.#retryMs);
      return;
    }
    // Watch the real path: chokidar does not descend into a root that is itself a symlink.
    const watcher = watch(checked.realRoot, this.#chokidarOptions(state, checked.realRoot));
    state.chokidar = watcher;
    this.#wire(state, watcher, checked.realRoot);
    await this.#whenReady(state, watcher);
    if (this.#gone(state) || state.chokidar !== watcher) return;
    const recovered = state.hadProblem;
    state.hadProblem = false;
    state.reported.clear();
    this.#emitSafely('watching', { folderId: state.folder.id, path: state.ref.root, recovered });
  }

  /** The folder's real path, or why it cannot be watched right now. */
  async #checkRoot(state: FolderState): Promise<{ realRoot: string } | { problem: WatchProblem }> {
    const root = state.ref.root;
    try {
      const stats = await stat(root);
      if (!stats.isDirectory()) {
        const notDir = Object.assign(new Error(`ENOTDIR: not a directory, '${root}'`), {
          code: 'ENOTDIR',
          path: root,
        });
        return { problem: describeFsError(state.ref, notDir, root, 'watch') };
      }
      await access(root, constants.R_OK | constants.X_OK);
      return { realRoot: await realpath(root) };
    } catch (error) {
      return { problem: describeFsError(state.ref, error, root, 'watch') };
    }
  }

  #chokidarOptions(state: FolderState, realRoot: string): ChokidarOptions {
    const { folder } = state;
    const options: ChokidarOptions = {
      ignoreInitial: true,
      // Linked folders could lead outside the capture folder or loop; linked files are still seen.
      followSymlinks: false,
      ignored: (absPath: string, stats?: Stats) => this.#chokidarIgnores(state, realRoot, absPath, stats),
    };
    if (!folder.recursive) options.depth = 0;
    if (folder.polling) {
      options.backend = 'polling';
      options.pollingInterval = folder.pollIntervalMs;
      options.pollingBinaryInterval = folder.pollIntervalMs;
    }
    return options;
  }

  /**
   * With native events, temp names are ignored by chokidar: their raw events (wired below) are enough
   * to reveal a rename into place, and chokidar answers a temp name that is already renamed away by
   * re-reading the whole directory — in a busy folder of many files that turns every capture into a
   * full rescan. Polling has no raw events, so there temp names stay visible. Files the watcher took
   * from raw events are left alone too (#onRawName).
   */
  #chokidarIgnores(state: FolderState, realRoot: string, absPath: string, stats?: Stats): boolean {
    const { folder } = state;
    const rel = toRelPosix(realRoot, absPath);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return false;
    if (stats?.isDirectory()) return isIgnoredDir(folder, rel);
    const kind = classifyName(folder, rel);
    if (kind === 'ignored' || (kind === 'temp' && !folder.polling)) return true;
    return kind === 'candidate' && !folder.polling && state.owned.claims(rel);
  }

  #wire(state: FolderState, watcher: FSWatcher, realRoot: string): void {
    const root = state.ref.root;
    // Events carry real paths; hand on paths under the configured root, as scans do.
    const configured = (realPath: string): string => underRoot(root, toRelPosix(realRoot, realPath));
    watcher.on('add', (absPath, stats) => this.#onEntry(state, configured(absPath), 'add', stats));
    watcher.on('change', (absPath) => this.#onEntry(state, configured(absPath), 'change'));
    watcher.on('unlink', (absPath) => this.#onUnlink(state, configured(absPath)));
    watcher.on('unlinkDir', (absPath) => {
      // Files taken from raw events are not chokidar's to report when their folder goes as a whole.
      const relDir = toRelPosix(realRoot, absPath);
      if (!relDir.startsWith('..') && !path.isAbsolute(relDir) && !this.#gone(state)) {
        for (const rel of state.owned.releaseUnder(relDir))
          this.#reportRemoved(state, underRoot(root, rel), rel);
      }
      if (path.resolve(absPath) === realRoot) void this.#onRootLost(state, watcher);
    });
    watcher.on('error', (error) => this.#report(state, describeFsError(state.ref, error, root, 'watch')));
    // Raw events come straight from the native backend, before chokidar's own (serialized) handling.
    watcher.on('raw', (event, name, details) => {
      if (typeof name !== 'string' || name === '' || name.includes('/') || name.includes(path.sep)) return;
      const dir = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
      if (typeof dir !== 'string') return;
      const rel = toRelPosix(realRoot, dir);
      if (rel.startsWith('..') || path.isAbsolute(rel)) return;
      // A temp name is reported the moment it is renamed away, which can be before the final name's
      // `add`; using it makes rename detection independent of event order.
      const absPath = underRoot(root, rel === '' ? name : `${rel}/${name}`);
      if (isTempBaseName(state.folder, name)) state.completion.noteTemp(absPath);
      // A name appeared, changed or went: look at it now rather than wait for chokidar.
      else if ((event === 'rename' || event === 'change') && !state.folder.polling)
        this.#onRawName(state, absPath, event);
    });
  }

  /**
   * chokidar handles the events of one watched folder one at a time, each waiting on an lstat (two for
   * a new file), which held a folder to ~2,500–2,900 new files/s here. So a native event naming a
   * final (non-temp) name is handled here at once, with one lstat of our own: a non-empty regular
   * file is taken over (OwnedFiles) and goes to the completeness check with its stats (the same rules
   * as for chokidar's `add`); chokidar is told to ignore it from then on, so it neither stats nor
   * tracks it again. Its later changes and its removal are reported from raw events here. Folders,
   * links, empty files (their data may still be on the way; chokidar holds those) and names that
   * cannot be stat'ed stay chokidar's. The reconciliation scan remains the safety net.
   *
   * The lstat is synchronous: ~2 µs of main-thread CPU for a just-written entry (it is in the kernel's
   * caches), where 20,000 async stats kept a callback, a request and a pump per file. Raw events exist
   * only for local folders; network shares use polling, where chokidar does everything.
   * Measured on the 2-core VM, the watcher alone with 20,000 files renamed into one folder by another
   * process (three runs each): main-thread CPU 57–59 → 15 µs per file, heap kept 23–25 → 9 MB,
   * 30,000–32,000 → 40,000–45,000 files/s handed on.
   */
  #onRawName(state: FolderState, absPath: string, event: 'rename' | 'change'): void {
    if (this.#gone(state)) return;
    const rel = toRelPosix(state.ref.root, absPath);
    if (!this.#inScope(state, rel) || classifyName(state.folder, rel) !== 'candidate') return;
    let stats: Stats | undefined;
    try {
      stats = lstatSync(absPath, { throwIfNoEntry: false });
    } catch {
      return; // Unreadable: chokidar and the completeness check report what needs reporting.
    }
    if (!stats) {
      // Gone (unlinked or renamed away). Only ours to report if chokidar was not tracking it.
      if (state.owned.release(rel)) this.#reportRemoved(state, absPath, rel);
      return;
    }
    const ours = state.owned.has(rel);
    if (!stats.isFile() || (!ours && stats.size === 0)) {
      // Folders, links and empty files are chokidar's (a removed file's claim must not hide them);
      // a file of ours replaced by a folder or a link is gone.
      state.owned.disown(rel);
      if (ours) this.#reportRemoved(state, absPath, rel);
      return;
    }
    if (!state.owned.take(rel)) return;
    // The calls chokidar's `add` and `change` make. A file written in place is created empty, so
    // its first write is usually what takes it over.
    if (event === 'rename') state.completion.candidate(absPath, 'add', stats);
    else state.completion.candidate(absPath, 'change');
  }

  async #whenReady(state: FolderState, watcher: FSWatcher): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const ready = new Promise<boolean>((resolve) => watcher.once('ready', () => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#readyTimeoutMs);
    });
    const inTime = await Promise.race([ready, timeout, this.#stopping]);
    clearTimeout(timer);
    if (!inTime && !this.#gone(state)) {
      this.#report(state, {
        folderId: state.folder.id,
        path: state.ref.root,
        code: 'SLOW_START',
        message: `Setting up the watch on capture folder "${state.folder.id}" took over ${formatMs(this.#readyTimeoutMs)}; it goes on in the background.`,
        hint: 'a very large folder tree takes time to watch; consider `recursive: false`, `ignore` globs, or `polling: true`',
        fatal: false,
      });
    }
  }

  #inScope(state: FolderState, rel: string): boolean {
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return false;
    return state.folder.recursive || !rel.includes('/');
  }

  #onEntry(state: FolderState, absPath: string, event: 'add' | 'change', stats?: Stats): void {
    if (this.#gone(state)) return;
    const rel = toRelPosix(state.ref.root, absPath);
    if (!this.#inScope(state, rel)) return;
    const kind = classifyName(state.folder, rel);
    if (kind === 'temp') state.completion.noteTemp(absPath);
    else if (kind === 'candidate') state.completion.candidate(absPath, event, stats);
  }

  #onUnlink(state: FolderState, absPath: string): void {
    if (this.#gone(state)) return;
    const rel = toRelPosix(state.ref.root, absPath);
    if (!this.#inScope(state, rel)) return;
    const kind = classifyName(state.folder, rel);
    if (kind === 'temp') {
      state.completion.tempGone(absPath);
    } else if (kind === 'candidate') {
      state.owned.release(rel);
      this.#reportRemoved(state, absPath, rel);
    }
  }

  #reportRemoved(state: FolderState, absPath: string, rel: string): void {
    state.completion.forget(absPath);
    this.#emitSafely('removed', { folderId: state.folder.id, absPath, relPath: rel });
  }

  /** The folder itself went away (deleted, unmounted): report it and wait for it to come back. */
  async #onRootLost(state: FolderState, watcher: FSWatcher): Promise<void> {
    if (state.chokidar !== watcher || this.#gone(state)) return;
    state.chokidar = undefined;
    state.hadProblem = true;
    await watcher.close();
    await this.#open(state);
  }

  #report(state: FolderState, problem: WatchProblem): void {
    // Watch-limit errors arrive once per directory; one report per folder says it all.
    const perFolder = problem.code === 'ENOSPC' || problem.code === 'EMFILE' || problem.code === 'ENFILE';
    const key = perFolder ? problem.code : `${problem.code}\0${problem.path}`;
    if (state.reported.has(key)) return;
    if (state.reported.size >= MAX_REPORTED) state.reported.clear();
    state.reported.add(key);
    this.#emitSafely('problem', problem);
  }

  /** A throwing listener must not take the watcher (or the process) down. */
  #emitSafely<K extends keyof CaptureWatcherEvents>(event: K, ...args: CaptureWatcherEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: CaptureWatcherEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      if (event === 'problem') return;
      const first = args[0] as { folderId: string; absPath?: string; path?: string };
      this.#emitSafely('problem', {
        folderId: first.folderId,
        path: first.absPath ?? first.path ?? '',
        code: 'LISTENER',
        message: `A "${event}" listener threw: ${error instanceof Error ? error.message : String(error)}`,
        hint: 'this is a bug in the code that uses the watcher; please report it with the log',
        fatal: false,
      });
    }
  }
}

/** root joined with a relative posix path (one that stays inside it), without path.join's work when it can. */
function underRoot(root: string, rel: string): string {
  if (rel === '') return root;
  if (path.sep !== '/' || root.endsWith('/') || rel.startsWith('..')) return path.join(root, rel);
  return `${root}/${rel}`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
