/**
 * A removed file stays claimed this long: chokidar's own look at the event is queued behind the rest
 * and can lag seconds behind in a burst, and it answers a name it does not track that is gone by
 * re-reading the whole directory.
 */
const GONE_MS = 30_000;
const MAX_GONE = 100_000;
/** Past this many, new files are left to chokidar as before (it then tracks them itself). */
const MAX_OWNED = 500_000;

/**
 * Files of one folder the watcher took from native events (watcher.ts, #onRawName), by path relative
 * to the folder. chokidar is told to ignore them, so it neither stats nor tracks them a second time;
 * the watcher then reports their changes and removal itself. Native-event folders only: polling has
 * no raw events and chokidar does everything there.
 */
export class OwnedFiles {
  readonly #live = new Set<string>();
  /** rel → until when a removed file stays claimed. Oldest first (one lifetime for all). */
  readonly #gone = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  get size(): number {
    return this.#live.size + this.#gone.size;
  }

  has(rel: string): boolean {
    return this.#live.has(rel);
  }

  /** Takes a file over from chokidar; false when too many are held already (chokidar keeps it). */
  take(rel: string): boolean {
    if (this.#live.has(rel)) return true;
    if (this.#live.size >= MAX_OWNED) return false;
    this.#live.add(rel);
    this.#gone.delete(rel);
    return true;
  }

  /** The file is gone: returns whether it was ours (then its removal is ours to report). */
  release(rel: string): boolean {
    if (!this.#live.delete(rel)) return false;
    const now = this.#now();
    this.#gone.set(rel, now + GONE_MS);
    for (const [key, until] of this.#gone) {
      if (until >= now && this.#gone.size <= MAX_GONE) break;
      this.#gone.delete(key);
    }
    return true;
  }

  /**
   * A folder went away as a whole (moved out, or the capture folder itself): the files of ours in it
   * had no events of their own. Returns them (relative paths), no longer claimed; '' means every file.
   */
  releaseUnder(relDir: string): string[] {
    const prefix = relDir === '' ? '' : `${relDir}/`;
    const released: string[] = [];
    for (const rel of this.#live) {
      if (rel.startsWith(prefix)) released.push(rel);
    }
    for (const rel of released) this.#live.delete(rel);
    return released;
  }

  /** Hands a name back to chokidar at once (something other than a file took it). */
  disown(rel: string): void {
    this.#live.delete(rel);
    this.#gone.delete(rel);
  }

  /** Whether chokidar should leave this path alone. */
  claims(rel: string): boolean {
    if (this.#live.has(rel)) return true;
    const until = this.#gone.get(rel);
    return until !== undefined && until >= this.#now();
  }

  clear(): void {
    this.#live.clear();
    this.#gone.clear();
  }
}
