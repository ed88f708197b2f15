import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedFolder } from '../config/types.ts';
import { finalNamesForTemp, toRelPosix } from './names.ts';
import { describeFsError, errorCode, type FolderRef } from './problems.ts';
import type { SeenFile, WatchProblem } from './types.ts';

/** A temp name is remembered this long after its last event, to recognise the rename into place. */
const TEMP_MEMORY_MS = 120_000;
/**
 * A temp file seen going away is remembered only briefly: its final name's `add` follows at once if
 * it was renamed, and a longer memory would let a later in-place write of that name pass as a rename.
 */
const GONE_MEMORY_MS = 2_000;
/** The same path with the same size and mtime is not handed on twice within this time. */
const DEDUP_MS = 5_000;
/**
 * A file handed on from its raw event is remembered this long (at most LATE_ADD_MAX of them), so
 * chokidar's own `add`, which can lag seconds behind during a burst, is dropped here rather than
 * reach the queue.
 */
const LATE_ADD_MS = 30_000;
const LATE_ADD_MAX = 20_000;
/** Hard caps so a flood of names cannot grow the maps without bound between sweeps. */
const MAX_REMEMBERED = 100_000;
const SWEEP_INTERVAL_MS = 10_000;
const MIN_RECHECK_MS = 20;
/** A file that already looks old is stat'ed once more after this, to be sure it is not being written. */
const CONFIRM_DELAY_MS = 50;

interface PendingCheck {
  size: number;
  mtimeMs: number;
  /** When we (by our own clock) first saw this size and mtime: covers mtimes from a skewed clock. */
  unchangedSince: number;
  timer: NodeJS.Timeout | undefined;
  statInFlight: boolean;
  changedDuringStat: boolean;
}

export interface CompletionSink {
  file(file: SeenFile): void;
  problem(problem: WatchProblem): void;
}

/** Decides, for one folder, when a file is complete; holds state only for files not yet handed on. */
export class FolderCompletion {
  readonly #folder: ResolvedFolder;
  readonly #ref: FolderRef;
  readonly #now: () => number;
  readonly #sink: CompletionSink;
  readonly #pending = new Map<string, PendingCheck>();
  /** `dir\0finalName` → until when a rename onto that name counts as a temp file put into place. */
  readonly #tempSeen = new Map<string, number>();
  /** absPath → what was last handed on, for de-duplication. Oldest first. */
  readonly #recent = new Map<string, { size: number; mtimeMs: number; at: number; via: SeenFile['via'] }>();
  /** absPath → what was handed on, kept longer than `#recent` for chokidar's late `add`. Oldest first. */
  readonly #handedOn = new Map<string, { size: number; mtimeMs: number; at: number }>();
  readonly #sweeper: NodeJS.Timeout;
  #closed = false;

  constructor(folder: ResolvedFolder, ref: FolderRef, now: () => number, sink: CompletionSink) {
    this.#folder = folder;
    this.#ref = ref;
    this.#now = now;
    this.#sink = sink;
    this.#sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  /** How much is held in memory: for status pages and leak checks. */
  sizes(): { pending: number; tempNames: number; recent: number } {
    return {
      pending: this.#pending.size,
      tempNames: this.#tempSeen.size,
      recent: this.#recent.size + this.#handedOn.size,
    };
  }

  /** A temp-named file was created or written: remember the name(s) it will likely be renamed to. */
  noteTemp(tempAbs: string, memoryMs = TEMP_MEMORY_MS): void {
    // Only `auto` mode asks whether a file was renamed into place.
    if (this.#closed || this.#folder.completion !== 'auto') return;
    const dir = path.dirname(tempAbs);
    const until = this.#now() + memoryMs;
    for (const finalName of finalNamesForTemp(this.#folder, path.basename(tempAbs))) {
      rememberNewest(this.#tempSeen, `${dir}\0${finalName}`, until);
    }
  }

  /** A temp-named file is gone. If its final name is waiting out the stable window, it was renamed: done. */
  tempGone(tempAbs: string): void {
    if (this.#closed || this.#folder.completion !== 'auto') return;
    const dir = path.dirname(tempAbs);
    let renamedOne = false;
    for (const finalName of finalNamesForTemp(this.#folder, path.basename(tempAbs))) {
      const finalAbs = path.join(dir, finalName);
      const key = `${dir}\0${finalName}`;
      const handedOn = this.#recent.get(finalAbs);
      if (handedOn?.via === 'rename' && this.#now() - handedOn.at <= DEDUP_MS) {
        // The rename was already recognised from the final name's own event.
        this.#tempSeen.delete(key);
        return;
      }
      if (this.#pending.has(finalAbs)) {
        this.#tempSeen.delete(key);
        void this.#completeRenamed(finalAbs);
        renamedOne = true;
      }
    }
    // The unlink can arrive before the final name's add (polling): remember it briefly.
    if (!renamedOne) this.noteTemp(tempAbs, GONE_MEMORY_MS);
  }

  /** A non-temp, non-ignored file appeared, changed, or was found by a scan before it was stable. */
  candidate(absPath: string, event: 'add' | 'change' | 'consider', seen?: Stats): void {
    if (this.#closed) return;
    // chokidar's `add` for a file already handed on from its raw event (watcher.ts, #offerRaw).
    if (event === 'add' && seen && this.#alreadyHandedOn(absPath, seen)) return;
    const mode = this.#folder.completion;
    if (mode === 'rename' || (mode === 'auto' && this.#takeTemp(absPath))) {
      // chokidar's `add` already carries the stats of a renamed-in file: no second stat needed.
      if (event === 'add' && seen?.isFile()) {
        this.#dropPending(absPath);
        this.#handOn(absPath, seen, 'rename');
      } else {
        void this.#completeRenamed(absPath);
      }
      return;
    }
    const entry = this.#pending.get(absPath);
    if (entry) {
      // Already waiting: the next stat sees the new size/mtime and restarts the window.
      if (entry.statInFlight && event !== 'consider') entry.changedDuringStat = true;
      return;
    }
    this.#pending.set(absPath, {
      size: -1,
      mtimeMs: -1,
      unchangedSince: this.#now(),
      timer: undefined,
      statInFlight: false,
      changedDuringStat: false,
    });
    void this.#checkStable(absPath);
  }

  /** The file was unlinked: stop waiting for it. */
  forget(absPath: string): void {
    this.#dropPending(absPath);
    this.#recent.delete(absPath);
    this.#handedOn.delete(absPath);
  }

  /** Drops remembered temp names and de-duplication entries that are too old to matter. */
  sweep(): void {
    const now = this.#now();
    // Expiry times differ (live vs gone temp names), so this map is not in expiry order.
    for (const [key, until] of this.#tempSeen) if (until < now) this.#tempSeen.delete(key);
    dropOlderThan(this.#recent, (r) => now - r.at > DEDUP_MS);
    dropOlderThan(this.#handedOn, (r) => now - r.at > LATE_ADD_MS);
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const entry of this.#pending.values()) clearTimeout(entry.timer);
    this.#pending.clear();
    this.#tempSeen.clear();
    this.#recent.clear();
    this.#handedOn.clear();
  }

  #takeTemp(finalAbs: string): boolean {
    const key = `${path.dirname(finalAbs)}\0${path.basename(finalAbs)}`;
    const until = this.#tempSeen.get(key);
    if (until === undefined) return false;
    this.#tempSeen.delete(key);
    return this.#now() <= until;
  }

  async #completeRenamed(absPath: string): Promise<void> {
    this.#dropPending(absPath);
    const stats = await this.#statFile(absPath);
    if (stats && !this.#closed) this.#handOn(absPath, stats, 'rename');
  }

  async #checkStable(absPath: string): Promise<void> {
    const entry = this.#pending.get(absPath);
    if (!entry || entry.statInFlight) return;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.statInFlight = true;
    const stats = await this.#statFile(absPath);
    entry.statInFlight = false;
    // Forgotten, completed by a rename, or closed while the stat ran.
    if (this.#closed || this.#pending.get(absPath) !== entry) return;
    if (!stats) {
      this.#pending.delete(absPath);
      return;
    }
    const now = this.#now();
    const window = this.#folder.stableWindowMs;
    const unchanged =
      entry.size === stats.size && entry.mtimeMs === stats.mtimeMs && !entry.changedDuringStat;
    entry.changedDuringStat = false;
    if (!unchanged) {
      entry.size = stats.size;
      entry.mtimeMs = stats.mtimeMs;
      entry.unchangedSince = now;
    }
    const mtimeAge = now - stats.mtimeMs;
    const watchedAge = now - entry.unchangedSince;
    if (unchanged && (mtimeAge >= window || watchedAge >= window)) {
      this.#pending.delete(absPath);
      this.#handOn(absPath, stats, 'stable');
      return;
    }
    const wait = mtimeAge >= window ? CONFIRM_DELAY_MS : Math.min(window - mtimeAge, window - watchedAge);
    entry.timer = setTimeout(() => void this.#checkStable(absPath), clamp(wait, MIN_RECHECK_MS, window));
  }

  /** Stats a path; undefined when it is gone or not a regular file (a problem is reported for real errors). */
  async #statFile(absPath: string): Promise<Stats | undefined> {
    try {
      const stats = await stat(absPath);
      return stats.isFile() ? stats : undefined;
    } catch (error) {
      const code = errorCode(error);
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && !this.#closed) {
        this.#sink.problem(describeFsError(this.#ref, error, absPath, 'read'));
      }
      return undefined;
    }
  }

  /** chokidar's `add` shows the file as it was handed on (within LATE_ADD_MS): nothing new to look at. */
  #alreadyHandedOn(absPath: string, stats: Stats): boolean {
    const last = this.#handedOn.get(absPath);
    return (
      last !== undefined &&
      last.size === stats.size &&
      last.mtimeMs === stats.mtimeMs &&
      this.#now() - last.at <= LATE_ADD_MS
    );
  }

  /** Handed on lately with this very size and mtime: nothing new to look at. */
  #justHandedOn(absPath: string, stats: Stats): boolean {
    const last = this.#recent.get(absPath);
    return (
      last !== undefined &&
      last.size === stats.size &&
      last.mtimeMs === stats.mtimeMs &&
      this.#now() - last.at <= DEDUP_MS
    );
  }

  #handOn(absPath: string, stats: Stats, via: SeenFile['via']): void {
    if (this.#justHandedOn(absPath, stats)) return;
    const now = this.#now();
    rememberNewest(this.#recent, absPath, { size: stats.size, mtimeMs: stats.mtimeMs, at: now, via });
    rememberNewest(
      this.#handedOn,
      absPath,
      { size: stats.size, mtimeMs: stats.mtimeMs, at: now },
      LATE_ADD_MAX,
    );
    this.#sink.file({
      folderId: this.#folder.id,
      absPath,
      relPath: toRelPosix(this.#folder.path, absPath),
      size: stats.size,
      mtimeMs: stats.mtimeMs,
      via,
    });
  }

  #dropPending(absPath: string): void {
    const entry = this.#pending.get(absPath);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.#pending.delete(absPath);
  }
}

/** Re-inserts so the map stays ordered oldest-first, and evicts the oldest past the cap. */
function rememberNewest<V>(map: Map<string, V>, key: string, value: V, max = MAX_REMEMBERED): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}

function dropOlderThan<V>(map: Map<string, V>, isOld: (value: V) => boolean): void {
  for (const [key, value] of map) {
    if (!isOld(value)) return;
    map.delete(key);
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}
