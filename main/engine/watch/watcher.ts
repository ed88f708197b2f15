import { EventEmitter } from 'node:events';
import { stat as fsStat, type Stats } from 'node:fs';
import { access, constants, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { type ChokidarOptions, type FSWatcher, watch } from 'chokidar';
import type { ResolvedFolder } from '../config/types.ts';
import { FolderCompletion } from './completion.ts';
import { classifyName, isIgnoredDir, isTempBaseName, toRelPosix } from './names.ts';
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
/** Stats of files named by raw events, per folder, at once (see #offerRaw). */
const RAW_STATS_IN_FLIGHT = 32;

interface FolderState {
  folder: ResolvedFolder;
  ref: FolderRef;
  completion: FolderCompletion;
  chokidar: FSWatcher | undefined;
  retryTimer: NodeJS.Timeout | undefined;
  hadProblem: boolean;
  reported: Set<string>;
  /** Final names seen in raw `rename` events, not yet stat'ed (see #offerRaw). */
  rawOffers: Set<string>;
  rawInFlight: number;
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
      rawOffers: new Set(),
      rawInFlight: 0,
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
    state.rawOffers.clear();
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
    const watcher = watch(checked.realRoot, this.#chokidarOptions(state.folder, checked.realRoot));
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

  #chokidarOptions(folder: ResolvedFolder, realRoot: string): ChokidarOptions {
    const options: ChokidarOptions = {
      ignoreInitial: true,
      // Linked folders could lead outside the capture folder or loop; linked files are still seen.
      followSymlinks: false,
      ignored: (absPath: string, stats?: Stats) => this.#chokidarIgnores(folder, realRoot, absPath, stats),
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
   * full rescan. Polling has no raw events, so there temp names stay visible.
   */
  #chokidarIgnores(folder: ResolvedFolder, realRoot: string, absPath: string, stats?: Stats): boolean {
    const rel = toRelPosix(realRoot, absPath);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return false;
    if (stats?.isDirectory()) return isIgnoredDir(folder, rel);
    const kind = classifyName(folder, rel);
    return kind === 'ignored' || (kind === 'temp' && !folder.polling);
  }

  #wire(state: FolderState, watcher: FSWatcher, realRoot: string): void {
    const root = state.ref.root;
    // Events carry real paths; hand on paths under the configured root, as scans do.
    const configured = (realPath: string): string => path.join(root, path.relative(realRoot, realPath));
    watcher.on('add', (absPath, stats) => this.#onEntry(state, configured(absPath), 'add', stats));
    watcher.on('change', (absPath) => this.#onEntry(state, configured(absPath), 'change'));
    watcher.on('unlink', (absPath) => this.#onUnlink(state, configured(absPath)));
    watcher.on('unlinkDir', (absPath) => {
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
      if (isTempBaseName(state.folder, name)) state.completion.noteTemp(path.join(configured(dir), name));
      // A name appeared (or went): offer it now rather than wait for chokidar's `add`.
      else if (event === 'rename' && !state.folder.polling)
        this.#offerRaw(state, path.join(configured(dir), name));
    });
  }

  /**
   * chokidar handles the events of one watched folder one at a time, each waiting on an lstat (two for
   * a new file), which held a folder to ~2,500–2,900 new files/s here. A native `rename` naming a
   * final (non-temp) file is offered to the completeness check at once instead: one stat of our own,
   * then the same rules as for chokidar's `add` with its stats (completion.ts). chokidar's `add`
   * still follows and is dropped cheaply when it shows the file as already handed on; the
   * reconciliation scan stays the safety net for anything neither saw. At most RAW_STATS_IN_FLIGHT
   * stats per folder run at once: thousands finishing in one event-loop turn kept the loop from
   * reading inotify for over a second (and the kernel drops events once its queue is full).
   */
  #offerRaw(state: FolderState, absPath: string): void {
    if (this.#gone(state)) return;
    const rel = toRelPosix(state.ref.root, absPath);
    if (!this.#inScope(state, rel) || classifyName(state.folder, rel) !== 'candidate') return;
    state.rawOffers.add(absPath);
    this.#pumpRaw(state);
  }

  #pumpRaw(state: FolderState): void {
    while (state.rawInFlight < RAW_STATS_IN_FLIGHT && state.rawOffers.size > 0 && !this.#gone(state)) {
      const absPath = state.rawOffers.values().next().value as string;
      state.rawOffers.delete(absPath);
      state.rawInFlight++;
      fsStat(absPath, (error, stats) => {
        state.rawInFlight--;
        // Gone already (this was its unlink or rename away), a folder, or unreadable: chokidar's own
        // events and the completeness check report what needs reporting. An empty file is left to
        // chokidar too: it holds the `add` of an empty file until its data lands (a file created in
        // place is reported by the same raw event as one renamed in).
        if (!error && stats.isFile() && stats.size > 0 && !this.#gone(state)) {
          state.completion.candidate(absPath, 'add', stats);
        }
        this.#pumpRaw(state);
      });
    }
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
      state.completion.forget(absPath);
      this.#emitSafely('removed', { folderId: state.folder.id, absPath, relPath: rel });
    }
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

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
