import fs from 'node:fs';
import { readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SymlinkPolicy } from '../../../shared/config.ts';
import { InspectFailure } from './errors.ts';

/**
 * Where a file read for a capture folder must really live. Plain data, so it can travel with a
 * read into a worker. Capture folders are written by cameras, scripts and people the engine does
 * not control: a link in one must not ship a file from elsewhere (`~/.aws/credentials`).
 */
export interface Confinement {
  folderId: string;
  /** The capture folder as configured (it may itself be reached through a link). */
  root: string;
  symlinks: SymlinkPolicy;
}

/** Opens a path for reading; with `noFollow` a final symbolic link fails with ELOOP instead. */
export type OpenFd = (absPath: string, noFollow: boolean) => Promise<number>;

export const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;
const DELETED_SUFFIX = ' (deleted)';

/** Real path of each capture folder, looked up once (and again when a check fails). */
const realRoots = new Map<string, string>();
/** Linux tells where an open descriptor really is; elsewhere the path is resolved again and compared. */
let procFdWorks = process.platform === 'linux';

/**
 * Opens `absPath` as the folder's `symlinks` setting allows, and checks that the file actually
 * opened lives in the folder: a folder on the path may have been swapped for a link after it was
 * walked, or a link retargeted after it was checked. Throws InspectFailure `link_refused`.
 */
export async function openConfined(absPath: string, confinement: Confinement, open: OpenFd): Promise<number> {
  if (confinement.symlinks === 'follow') return open(absPath, false);
  let fd: number;
  try {
    fd = await open(absPath, true);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
    fd = await openLink(absPath, confinement, open);
  }
  try {
    await checkOpened(fd, absPath, confinement);
    return fd;
  } catch (err) {
    fs.close(fd, () => {});
    throw err;
  }
}

/** `absPath` is itself a symbolic link: open what it leads to, if the setting allows. */
async function openLink(absPath: string, confinement: Confinement, open: OpenFd): Promise<number> {
  if (confinement.symlinks === 'skip') {
    const target = await readlink(absPath).catch(() => 'somewhere unreadable');
    throw new InspectFailure(
      'link_refused',
      `${absPath} is a symbolic link (to ${target}); capture folder "${confinement.folderId}" has \`symlinks: skip\`, so links are not captured. Set \`symlinks: inside\` on that folder to capture links that stay inside it.`,
      'ELOOP',
    );
  }
  const target = await realpath(absPath);
  if (!(await isInside(target, confinement.root))) throw linkLeadsOut(absPath, target, confinement);
  // The real path has no links left in it; O_NOFOLLOW keeps a last-moment swap from adding one.
  return open(target, true);
}

async function checkOpened(fd: number, absPath: string, confinement: Confinement): Promise<void> {
  const where = procFdWorks ? openedPath(fd) : undefined;
  if (where !== undefined) {
    if (!(await isInside(where, confinement.root))) throw pathLeadsOut(absPath, where, confinement);
    return;
  }
  // No /proc: resolve the path again and make sure it names the very file that was opened.
  const real = await realpath(absPath);
  if (!(await isInside(real, confinement.root))) throw pathLeadsOut(absPath, real, confinement);
  const [opened, named] = await Promise.all([fstat(fd), stat(real)]);
  if (opened.ino !== named.ino || opened.dev !== named.dev) {
    throw new InspectFailure(
      'changed',
      `${absPath} was replaced while it was being opened; it will be inspected again once it is stable`,
    );
  }
}

/** Where descriptor `fd` really is, from /proc (a sync read of kernel memory: no disk, ~1 µs). */
function openedPath(fd: number): string | undefined {
  try {
    const where = fs.readlinkSync(`/proc/self/fd/${fd}`);
    return where.endsWith(DELETED_SUFFIX) ? where.slice(0, -DELETED_SUFFIX.length) : where;
  } catch {
    procFdWorks = false;
    return undefined;
  }
}

const fstat = (fd: number) =>
  new Promise<fs.Stats>((resolve, reject) => fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st))));

/** Whether a real path lies in the capture folder; the folder's real path is looked up again once on a miss. */
async function isInside(realPath: string, root: string): Promise<boolean> {
  const known = realRoots.get(root);
  if (known !== undefined && within(realPath, known)) return true;
  let fresh: string;
  try {
    fresh = await realpath(root);
  } catch {
    return false;
  }
  realRoots.set(root, fresh);
  return within(realPath, fresh);
}

function within(realPath: string, realRoot: string): boolean {
  const prefix = realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep;
  return realPath.startsWith(prefix);
}

function linkLeadsOut(absPath: string, target: string, confinement: Confinement): InspectFailure {
  return new InspectFailure(
    'link_refused',
    `${absPath} is a symbolic link to ${target}, outside capture folder "${confinement.folderId}" (${confinement.root}); it was not read. Only links that stay inside the folder are captured (\`symlinks: inside\`, the default). Set \`symlinks: follow\` on that folder to capture it, but only if everyone who can write to the folder may ship any file this service can read.`,
    'ELOOP',
  );
}

function pathLeadsOut(absPath: string, where: string, confinement: Confinement): InspectFailure {
  return new InspectFailure(
    'link_refused',
    `${absPath} is really ${where}, outside capture folder "${confinement.folderId}" (${confinement.root}): a folder on its path is a symbolic link leading out; it was not read. Replace the linked folder with a real one, or set \`symlinks: follow\` on that folder if everyone who can write to it may ship any file this service can read.`,
    'ELOOP',
  );
}

/** What the inspector needs of a capture folder's settings. */
export interface ConfinedFolder {
  id: string;
  path: string;
  symlinks: SymlinkPolicy;
}

/**
 * The confinement for a file. A folder the inspector was not told about gets the default
 * (`inside`), rooted where the file's folder-relative path says the folder is.
 */
export function confinementFor(
  folders: ReadonlyMap<string, ConfinedFolder>,
  target: { folderId: string; absPath: string; relPath: string },
): Confinement {
  const folder = folders.get(target.folderId);
  if (folder) return { folderId: folder.id, root: folder.path, symlinks: folder.symlinks };
  const rel = target.relPath.split('/').join(path.sep);
  const root = target.absPath.endsWith(path.sep + rel)
    ? target.absPath.slice(0, -(rel.length + 1))
    : path.dirname(target.absPath);
  return { folderId: target.folderId, root, symlinks: 'inside' };
}
