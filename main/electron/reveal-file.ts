import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import type { DesktopRevealOutcome } from '../../shared/contract/desktop-api.ts';
import { type IpcEventLike, isTrustedSender } from './ipc-sender.ts';
import { CallFailed, type FileLocation } from './parent-calls.ts';

/**
 * "Open containing folder" in the desktop app (issue 9): the page asks with a queue id only; the main
 * process asks the engine host where that file is and which folder it belongs in, checks on disk
 * that it is still there and still inside that capture folder (or the retention archive) after
 * following links, and only then asks the OS file manager to show it. Every refusal is a sentence.
 */

/** What the main process needs; main.ts wires Electron's `shell` and the supervisor in. */
export interface RevealDeps {
  /** The engine host's answer to `file.location` (HostSupervisor.call). */
  locate(fileId: number): Promise<FileLocation>;
  /** Electron's `shell.showItemInFolder`, behind this interface. */
  showItemInFolder(path: string): void;
}

const isFileId = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

const refuse = (message: string): DesktopRevealOutcome => ({ ok: false, message });

export async function revealFile(fileId: unknown, deps: RevealDeps): Promise<DesktopRevealOutcome> {
  if (!isFileId(fileId)) return refuse('fileId must be a queue id (a whole number above 0).');
  let where: FileLocation;
  try {
    where = await deps.locate(fileId);
  } catch (error) {
    if (error instanceof CallFailed)
      return refuse(`The engine could not say where the file is: ${error.message}`);
    throw error;
  }
  if (!where.found) return refuse(`The queue has no file ${fileId}.`);
  if (!where.path) {
    const store = where.objectKey ? ` (the store has it at ${where.objectKey})` : '';
    return refuse(`The local copy of ${where.relPath} was removed after upload${store}.`);
  }
  if (!where.within) {
    return refuse(`${where.path} is not in a capture folder this engine watches now; it is not opened.`);
  }
  let real: string;
  let realRoot: string;
  try {
    realRoot = await realpath(where.within);
    real = await realpath(where.path);
  } catch {
    return refuse(`The file is gone from ${where.path}.`);
  }
  if (!inside(realRoot, real)) {
    return refuse(`${where.path} leads out of its folder ${where.within}; it is not opened.`);
  }
  const info = await stat(real).catch(() => undefined);
  if (!info?.isFile()) return refuse(`The file is gone from ${where.path}.`);
  deps.showItemInFolder(real);
  return { ok: true, path: real };
}

/**
 * The `ipcMain.handle` listener: only our own page's top frame is answered; anyone else gets a
 * refusal (and is reported), and nothing is looked up or opened for them.
 */
export function revealFileHandler(
  deps: RevealDeps,
  onRejected: (channel: string, url: string) => void,
  channel: string,
): (event: IpcEventLike, fileId: unknown) => Promise<DesktopRevealOutcome> {
  return async (event, fileId) => {
    if (!isTrustedSender(event)) {
      onRejected(channel, event.senderFrame?.url ?? '(frame gone)');
      return refuse('Refused: this request did not come from the Edge Capture window.');
    }
    try {
      return await revealFile(fileId, deps);
    } catch (error) {
      return refuse(`The folder could not be opened: ${(error as Error).message}`);
    }
  };
}
