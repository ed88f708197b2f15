import { randomBytes } from 'node:crypto';
import { mkdir, open, opendir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { FilesystemDestinationConfig } from '../../../../shared/upload-config.ts';
import type { Destination, UploadOptions, UploadResult, UploadSource } from '../types.ts';
import { UploadError } from '../types.ts';
import { copyToTemp, fsyncDirectory, publish } from './fs-copy.ts';
import {
  destinationFsError,
  ensureRoot,
  PROBE_MARKER,
  pathForKey,
  TEMP_MARKER,
  tempPathFor,
} from './fs-paths.ts';
import { type KeyState, resolveTargetKey } from './object-keys.ts';
import { checkSourceUnchanged, sha256OfFile } from './source-file.ts';

export type FilesystemDestinationOptions = FilesystemDestinationConfig & {
  isLocalDemo?: boolean;
  label?: string;
};

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
    const tempPath = tempPathFor(firstPath);
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
      await unlink(tempPath).catch(() => {});
    }
  }

  async function probe(): Promise<void> {
    await ensureRoot(root, createRoot);
    const probePath = join(root, `${PROBE_MARKER}${randomBytes(6).toString('hex')}`);
    try {
      const handle = await open(probePath, 'wx');
      await handle.close();
      await unlink(probePath);
    } catch (err) {
      throw destinationFsError(err, `cannot write to ${root}`);
    }
  }

  /** Deletes our temp and probe files left by crashes. Walks the whole tree, so it is meant for startup. */
  async function abortOrphans(_tracked: ReadonlySet<string>, olderThanMs: number): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    const walk = async (dir: string): Promise<void> => {
      let entries: Awaited<ReturnType<typeof opendir>>;
      try {
        entries = await opendir(dir);
      } catch {
        return;
      }
      for await (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (
          entry.isFile() &&
          (entry.name.includes(TEMP_MARKER) || entry.name.startsWith(PROBE_MARKER))
        ) {
          try {
            if ((await stat(path)).mtimeMs > cutoff) continue;
            await unlink(path);
            removed += 1;
          } catch {
            // Finished or removed meanwhile.
          }
        }
      }
    };
    await walk(root);
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
