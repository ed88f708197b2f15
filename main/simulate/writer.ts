/** Writes files the way careful devices do: to a temporary name in the same folder, then rename into place. */
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface AtomicWriterOptions {
  root: string;
  tempStyle: 'suffix' | 'dotfile';
  fsync: boolean;
}

export class AtomicWriter {
  private readonly opts: AtomicWriterOptions;
  /** Folders already made, so a busy run does not mkdir before every file. */
  private readonly madeDirs = new Map<string, Promise<unknown>>();

  constructor(opts: AtomicWriterOptions) {
    this.opts = opts;
  }

  /** Returns the final absolute path once the file is in place under its own name. */
  async write(dir: string, name: string, data: Buffer): Promise<string> {
    const folder = dir ? join(this.opts.root, dir) : this.opts.root;
    await this.ensureDir(folder);
    const finalPath = join(folder, name);
    const tempPath = this.opts.tempStyle === 'suffix' ? `${finalPath}.part` : join(folder, `.${name}`);
    try {
      await this.writeTemp(tempPath, data);
    } catch (error) {
      // Something (retention, an operator) removed the folder since we made it: make it again, once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.madeDirs.delete(folder);
      await this.ensureDir(folder);
      await this.writeTemp(tempPath, data);
    }
    await rename(tempPath, finalPath);
    return finalPath;
  }

  private async writeTemp(tempPath: string, data: Buffer): Promise<void> {
    if (this.opts.fsync) {
      const handle = await open(tempPath, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } else {
      await writeFile(tempPath, data);
    }
  }

  private ensureDir(folder: string): Promise<unknown> {
    let made = this.madeDirs.get(folder);
    if (!made) {
      made = mkdir(folder, { recursive: true });
      // A failed mkdir is not cached: the next write tries again and reports the real error.
      made.catch(() => this.madeDirs.delete(folder));
      this.madeDirs.set(folder, made);
    }
    return made;
  }
}
