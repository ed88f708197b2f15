import { mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { FilesystemDestinationConfig } from '../../../../shared/upload-config.ts';
import type { Destination, Leftovers, UploadOptions, UploadResult, UploadSource } from '../types.ts';
import { UploadError } from '../types.ts';
import { copyToTemp, fsyncDirectory, publish } from './fs-copy.ts';
import {
  destinationFsError,
  ensureRoot,
  isOwnTempName,
  ownerTagFor,
  pathForKey,
  tempPathFor,
} from './fs-paths.ts';
import { type KeyState, resolveTargetKey } from './object-keys.ts';
import { checkSourceUnchanged, sha256OfFile } from './source-file.ts';

export type FilesystemDestinationOptions = FilesystemDestinationConfig & {
  isLocalDemo?: boolean;
  label?: string;
  /** Who this engine is (its data folder): names its temp files, so it cleans up only its own. */
  owner?: string;
};

/** Bytes the probe writes: enough that a full share refuses them (an empty file may still fit). */
const PROBE_BYTES = Buffer.alloc(4096, 0x2e);

/**
 * Objects become files under a mounted share (or the local demo store). Each copy goes to a
 * temp file beside its key, is fsynced, linked into place and read back before it counts.
 * No resume: an interrupted copy starts over (files on a share are copied at local-network speed).
 */
export function createFilesystemDestination(cfg: FilesystemDestinationOptions): Destination {
  if (!cfg.path) {
    throw new Error(
      'destination.path: required for a filesystem destination (the mounted folder to copy into)',
    );
  }
  const root = resolve(cfg.path);
  const fsync = cfg.fsync ?? true;
  const onConflict = cfg.onConflict ?? 'report';
  const createRoot = cfg.isLocalDemo === true;
  const ownerTag = ownerTagFor(cfg.owner ?? root);
  /** Temp files this process is writing now: never swept. */
  const active = new Set<string>();
  /** Temp files we failed to remove (a share that went away): the next sweep tries again. */
  const abandoned = new Set<string>();

  /** Removes a temp file of ours; one that cannot be removed now is remembered for the sweep. */
  async function dropTemp(path: string): Promise<void> {
    try {
      await unlink(path);
      abandoned.delete(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') abandoned.add(path);
      else abandoned.delete(path);
    } finally {
      active.delete(path);
    }
  }

  async function stateOf(key: string, sha256: string, size: number, signal: AbortSignal): Promise<KeyState> {
    const path = pathForKey(root, key);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return 'absent';
      // A file where a folder of the key should be: the key is taken by something else.
      if (code === 'ENOTDIR') return 'different';
      throw destinationFsError(err, `cannot check ${path}`);
    }
    if (!info.isFile() || info.size !== size) return 'different';
    try {
      return (await sha256OfFile(path, signal)) === sha256 ? 'same' : 'different';
    } catch (err) {
      signal.throwIfAborted();
      throw destinationFsError(err, `cannot read ${path}`);
    }
  }

  /** Proves the file at the key is ours, byte for byte; a bad copy is removed so a retry can write it. */
  async function verify(path: string, source: UploadSource, signal: AbortSignal): Promise<void> {
    let actual: string;
    let size: number;
    try {
      size = (await stat(path)).size;
      actual = await sha256OfFile(path, signal);
    } catch (err) {
      signal.throwIfAborted();
      throw destinationFsError(err, `cannot read back ${path}`);
    }
    if (size !== source.size || actual !== source.sha256) {
      await unlink(path).catch(() => {});
      throw new UploadError(
        'integrity',
        `${path} reads back as ${size} bytes with sha256 ${actual.slice(0, 12)}…, expected ${source.size} bytes ${source.sha256.slice(0, 12)}…`,
      );
    }
  }

  async function upload(source: UploadSource, options: UploadOptions): Promise<UploadResult> {
    const { signal } = options;
    signal.throwIfAborted();
    await checkSourceUnchanged(source);
    await ensureRoot(root, createRoot);
    const baseKey = source.objectKey.replace(/^\/+/, '');
    const pick = () =>
      resolveTargetKey(baseKey, onConflict, (key) => stateOf(key, source.sha256, source.size, signal));

    let target = await pick();
    if (target.alreadyPresent) return { key: target.key, alreadyPresent: true, bytesSent: 0 };

    const firstPath = pathForKey(root, target.key);
    try {
      await mkdir(dirname(firstPath), { recursive: true });
    } catch (err) {
      throw destinationFsError(err, `cannot create ${dirname(firstPath)}`);
    }
    // Suffixed keys differ only in the file name, so one temp file beside the key serves them all.
    const tempPath = tempPathFor(firstPath, ownerTag);
    active.add(tempPath);
    try {
      const bytesSent = await copyToTemp(source, tempPath, options, fsync);
      // Another writer may take the key between our check and now: pick again rather than overwrite.
      for (;;) {
        signal.throwIfAborted();
        const finalPath = pathForKey(root, target.key);
        if (await publish(tempPath, finalPath)) {
          if (fsync) await fsyncDirectory(finalPath);
          await verify(finalPath, source, signal);
          return { key: target.key, alreadyPresent: false, bytesSent };
        }
        target = await pick();
        if (target.alreadyPresent) return { key: target.key, alreadyPresent: true, bytesSent: 0 };
      }
    } finally {
      await dropTemp(tempPath);
    }
  }

  /** Writes, syncs and removes a small file in the root: what every copy needs to work. */
  async function probe(): Promise<void> {
    await ensureRoot(root, createRoot);
    const probePath = tempPathFor(join(root, 'probe'), ownerTag);
    active.add(probePath);
    try {
      const handle = await open(probePath, 'wx');
      try {
        await handle.write(PROBE_BYTES);
        if (fsync) await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      throw destinationFsError(err, `cannot write to ${root}`);
    } finally {
      await dropTemp(probePath);
    }
  }

  /**
   * Removes our own temp files only (named with this engine's tag), and only where we know some
   * may be: beside the keys a crash interrupted, and ones we could not remove earlier. Never a
   * walk of the share, which other sites write into too and which may hold millions of files.
   */
  async function abortOrphans(leftovers: Leftovers): Promise<number> {
    const folders = new Set<string>();
    for (const key of leftovers.interruptedKeys) {
      try {
        folders.add(dirname(pathForKey(root, key)));
      } catch {
        // A key no copy could have been made for.
      }
    }
    const candidates = new Set(abandoned);
    for (const folder of folders) {
      let names: string[];
      try {
        names = await readdir(folder);
      } catch {
        continue;
      }
      for (const name of names) if (isOwnTempName(name, ownerTag)) candidates.add(join(folder, name));
    }
    let removed = 0;
    for (const path of candidates) {
      if (active.has(path)) continue;
      try {
        await unlink(path);
        removed += 1;
        abandoned.delete(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') abandoned.delete(path);
      }
    }
    return removed;
  }

  return {
    kind: 'filesystem',
    label: cfg.label ?? `folder ${root}`,
    isLocalDemo: cfg.isLocalDemo === true,
    probe,
    upload,
    abortOrphans,
    async close() {},
  };
}
