import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, open, readFile, stat, statfs, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { formatBytes } from '../config/units.ts';
import { failed, failedButGoOn, type PlannedStep, passed } from './connection-test.ts';
import { fsyncDirectory } from './destinations/fs-copy.ts';

/** Below this much free space the share counts as full for the test. */
const MIN_FREE_BYTES = 1024 * 1024;
/** The probe file's size: big enough that a nearly full share refuses it. */
const PROBE_BYTES = 64 * 1024;

function who(): string {
  return typeof process.getuid === 'function' ? `the engine's user (uid ${process.getuid()})` : 'the engine';
}

const codeOf = (error: unknown): string => (error as NodeJS.ErrnoException | undefined)?.code ?? '';

/** The nearest existing folder above a missing path, and the part of the path that is a file (if any). */
async function whatExists(path: string): Promise<{ existing?: string; file?: string }> {
  for (let at = dirname(path); at !== dirname(at); at = dirname(at)) {
    const info = await stat(at).catch(() => undefined);
    if (!info) continue;
    return info.isDirectory() ? { existing: at } : { file: at };
  }
  return {};
}

/** Fixes for the errors writing into a share gives, in the operator's words. */
function writeProblem(error: unknown, what: string, root: string) {
  const code = codeOf(error);
  switch (code) {
    case 'EROFS':
      return failed(
        `${what}: the share is mounted read-only (EROFS).`,
        `Mount ${root} read-write (check /etc/fstab or the share's export options).`,
      );
    case 'EACCES':
    case 'EPERM':
      return failed(
        `${what}: permission denied for ${who()} (${code}).`,
        `Let ${who()} write to ${root} (owner, group or mode of the folder), or run the engine as a user who may.`,
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return failed(`${what}: the share is full (${code}).`, 'Free space on the share, or raise the quota.');
    case 'ENOENT':
    case 'ESTALE':
    case 'ENOTCONN':
    case 'EIO':
      return failed(
        `${what}: the share stopped answering (${code}).`,
        'Check the mount (mount, dmesg) and the network to the file server.',
      );
    default:
      return failed(`${what}: ${(error as Error).message ?? String(error)}.`);
  }
}

/**
 * The checks for a folder destination (a mounted share, or the local demo store): the path exists
 * and is a folder, the engine's user may write there, there is room, and a probe file of our own
 * can be written, synced to disk, read back and deleted. The probe sits in the share's root and is
 * always removed; nothing else is touched.
 */
export function filesystemSteps(root: string, options: { createdOnDemand: boolean }): PlannedStep[] {
  let missingButCreatable = false;
  return [
    {
      step: 'exists',
      label: 'Path exists',
      run: async () => {
        try {
          await stat(root);
          return passed(`${root} exists.`);
        } catch (error) {
          const code = codeOf(error);
          if (code === 'ENOENT') {
            const found = await whatExists(root);
            if (found.file) {
              return failed(
                `${root} cannot exist: ${found.file} is a file, not a folder.`,
                'Point the destination path at a folder (or move that file away).',
              );
            }
            if (options.createdOnDemand) {
              missingButCreatable = true;
              return passed(`${root} does not exist yet; the engine creates it with the first upload.`);
            }
            return failed(
              `${root} does not exist${found.existing ? ` (${found.existing} does)` : ''}.`,
              'Mount the share (is it in /etc/fstab and mounted?), or correct the destination path.',
            );
          }
          if (code === 'ENOTDIR') {
            const found = await whatExists(root);
            return failed(
              `${root} cannot be a folder: ${found.file ?? 'a part of it'} is a file, not a folder.`,
              'Point the destination path at a folder (or move that file away).',
            );
          }
          if (code === 'EACCES') {
            return failed(
              `${who()} may not look inside a folder on the way to ${root} (EACCES).`,
              `Give ${who()} search (x) permission on every folder above ${root}.`,
            );
          }
          return failed(`${root} cannot be reached: ${(error as Error).message}.`);
        }
      },
    },
    {
      step: 'folder',
      label: 'Is a folder',
      run: async () => {
        if (missingButCreatable) return passed('It will be created as a folder.');
        const info = await stat(root);
        return info.isDirectory()
          ? passed(`${root} is a folder.`)
          : failed(`${root} is a file, not a folder.`, 'Point the destination path at a folder.');
      },
    },
    {
      step: 'writable',
      label: 'Writable',
      run: async () => {
        const at = missingButCreatable ? ((await whatExists(root)).existing ?? dirname(root)) : root;
        try {
          await access(at, constants.W_OK);
          return passed(`${who()} may write to ${at}.`);
        } catch (error) {
          return writeProblem(error, `${at} is not writable`, at);
        }
      },
    },
    {
      step: 'space',
      label: 'Free space',
      run: async () => {
        const at = missingButCreatable ? ((await whatExists(root)).existing ?? dirname(root)) : root;
        const info = await statfs(at);
        const free = info.bavail * info.bsize;
        const total = info.blocks * info.bsize;
        const words = `${formatBytes(free)} free of ${formatBytes(total)}`;
        if (free < MIN_FREE_BYTES) {
          return failed(
            `${words}: the share is full.`,
            'Free space on the share, or raise the quota; uploads wait until there is room.',
          );
        }
        return passed(`${words}.`);
      },
    },
    {
      step: 'roundtrip',
      label: 'Write, sync, read back, delete',
      run: async () => {
        if (missingButCreatable) {
          return passed('Skipped: the folder does not exist yet (writing into its parent was checked).');
        }
        const name = `.edge-capture-connection-test-${randomUUID()}.tmp`;
        const path = join(root, name);
        const bytes = randomBytes(PROBE_BYTES);
        let created = false;
        try {
          const handle = await open(path, 'wx');
          created = true;
          try {
            await handle.write(bytes);
            await handle.sync();
          } finally {
            await handle.close();
          }
          const back = await readFile(path);
          const same =
            createHash('sha256').update(back).digest('hex') ===
            createHash('sha256').update(bytes).digest('hex');
          if (!same) {
            return failedButGoOn(
              `the probe file ${name} read back different from what was written (${back.length} of ${bytes.length} bytes).`,
              'The share loses or changes data: check the file server and the mount options before uploading to it.',
            );
          }
          await unlink(path);
          created = false;
          await fsyncDirectory(path);
          return passed(
            `Wrote ${formatBytes(bytes.length)} to ${name}, synced it to disk, read it back unchanged and deleted it.`,
          );
        } catch (error) {
          return writeProblem(error, `the probe file ${name} could not be written`, root);
        } finally {
          if (created) await unlink(path).catch(() => undefined);
        }
      },
    },
  ];
}
