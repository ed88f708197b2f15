/**
 * Thumbnails made once per content (sha256) and kept in the data folder as
 * `<dir>/ab/abcdef….webp`. A hit reads the file and changes nothing on disk; a miss renders, writes by
 * rename and, when the folder grows over its limit, deletes the oldest thumbnails (by the time they
 * were made) until it fits. Thumbnails are never written next to captures.
 */
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type MediaError, type MediaResult, mediaError, mediaOk } from './errors.ts';
import { type RenderLimits, renderThumbnail } from './render.ts';

export interface ThumbnailSettings extends RenderLimits {
  /** The thumbnails folder, e.g. `<dataDir>/thumbnails`. */
  dir: string;
  /** Most bytes the folder may hold; the oldest thumbnails go first when over. */
  maxBytes: number;
  /** Most thumbnails rendered at once (each holds a decoded picture in memory). */
  maxRenders: number;
}

export const DEFAULT_THUMBNAIL_SETTINGS: Omit<ThumbnailSettings, 'dir'> = {
  longSide: 160,
  limitInputPixels: 100_000_000,
  maxBytes: 256 * 1024 * 1024,
  maxRenders: 2,
};

export interface Thumbnail {
  bytes: Buffer;
  path: string;
  /** True when this call rendered it; false when it came from the folder. */
  rendered: boolean;
}

const SHA256 = /^[0-9a-f]{64}$/;

interface Entry {
  size: number;
  madeAt: number;
}

export class ThumbnailCache {
  readonly settings: ThumbnailSettings;
  /** What the folder holds, learned by one scan on first use and kept up to date after. */
  private index: Map<string, Entry> | undefined;
  private scanning: Promise<Map<string, Entry>> | undefined;
  private total = 0;
  /** One render per content at a time: a second request for the same picture waits for the first. */
  private readonly inFlight = new Map<string, Promise<MediaResult<Thumbnail>>>();
  private renders = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(settings: Partial<ThumbnailSettings> & { dir: string }) {
    this.settings = { ...DEFAULT_THUMBNAIL_SETTINGS, ...settings };
  }

  pathFor(sha256: string): string {
    return join(this.settings.dir, sha256.slice(0, 2), `${sha256}.webp`);
  }

  /** Bytes the folder holds as far as this cache knows (after its first scan). */
  get totalBytes(): number {
    return this.total;
  }

  /**
   * The thumbnail of the content `sha256`; `load` is called only on a miss and must return the
   * picture's bytes (already checked to be that content).
   */
  async get(sha256: string, load: () => Promise<MediaResult<Buffer>>): Promise<MediaResult<Thumbnail>> {
    if (!SHA256.test(sha256)) return mediaError('not_inspected', 'This file has no valid content hash yet.');
    const running = this.inFlight.get(sha256);
    if (running) return running;
    const work = this.getOnce(sha256, load).finally(() => this.inFlight.delete(sha256));
    this.inFlight.set(sha256, work);
    return work;
  }

  private async getOnce(
    sha256: string,
    load: () => Promise<MediaResult<Buffer>>,
  ): Promise<MediaResult<Thumbnail>> {
    const path = this.pathFor(sha256);
    const index = await this.loaded();
    try {
      // Another process (the CLI, a second engine view) may have made it: the file is the truth.
      const bytes = await readFile(path);
      if (!index.has(sha256)) this.remember(sha256, bytes.length, Date.now());
      return mediaOk({ bytes, path, rendered: false });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return ioError(error);
      if (index.has(sha256)) this.forget(sha256);
    }
    const source = await load();
    if (!source.ok) return source;
    const webp = await this.limited(() => renderThumbnail(source.value, this.settings));
    if (!webp.ok) return webp;
    try {
      await mkdir(join(this.settings.dir, sha256.slice(0, 2)), { recursive: true });
      const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      try {
        await writeFile(temp, webp.value);
        await rename(temp, path);
      } catch (error) {
        await unlink(temp).catch(() => undefined);
        throw error;
      }
    } catch (error) {
      return ioError(error);
    }
    this.remember(sha256, webp.value.length, Date.now());
    await this.evict(sha256);
    return mediaOk({ bytes: webp.value, path, rendered: true });
  }

  private async limited<T>(task: () => Promise<T>): Promise<T> {
    while (this.renders >= this.settings.maxRenders) await new Promise<void>((r) => this.waiting.push(r));
    this.renders++;
    try {
      return await task();
    } finally {
      this.renders--;
      this.waiting.shift()?.();
    }
  }

  private remember(sha256: string, size: number, madeAt: number): void {
    this.forget(sha256);
    this.index?.set(sha256, { size, madeAt });
    this.total += size;
  }

  private forget(sha256: string): void {
    const entry = this.index?.get(sha256);
    if (!entry) return;
    this.index?.delete(sha256);
    this.total -= entry.size;
  }

  /** Oldest first until the folder fits; the thumbnail just made stays. */
  private async evict(keep: string): Promise<void> {
    if (!this.index || this.total <= this.settings.maxBytes) return;
    const oldest = [...this.index.entries()]
      .filter(([sha]) => sha !== keep)
      .sort((a, b) => a[1].madeAt - b[1].madeAt);
    for (const [sha] of oldest) {
      if (this.total <= this.settings.maxBytes) break;
      this.forget(sha);
      await unlink(this.pathFor(sha)).catch(() => undefined); // already gone is fine
    }
  }

  private loaded(): Promise<Map<string, Entry>> {
    if (this.index) return Promise.resolve(this.index);
    this.scanning ??= this.scan().then((index) => {
      this.index = index;
      this.total = [...index.values()].reduce((sum, e) => sum + e.size, 0);
      return index;
    });
    return this.scanning;
  }

  private async scan(): Promise<Map<string, Entry>> {
    const index = new Map<string, Entry>();
    let shards: string[];
    try {
      shards = await readdir(this.settings.dir);
    } catch {
      return index; // no folder yet: nothing cached
    }
    for (const shard of shards.filter((name) => /^[0-9a-f]{2}$/.test(name))) {
      const names = await readdir(join(this.settings.dir, shard)).catch(() => [] as string[]);
      for (const name of names) {
        const sha = name.slice(0, -'.webp'.length);
        if (!name.endsWith('.webp') || !SHA256.test(sha)) continue;
        const info = await stat(join(this.settings.dir, shard, name)).catch(() => undefined);
        if (info) index.set(sha, { size: info.size, madeAt: info.mtimeMs });
      }
    }
    return index;
  }
}

function ioError(error: unknown): { ok: false; error: MediaError } {
  const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
  return mediaError('io', `The thumbnails folder could not be used (${code}).`);
}
