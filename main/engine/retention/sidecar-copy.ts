import path from 'node:path';
import type { FilePatch, FileRecord, SidecarCopy } from '../queue/types.ts';
import { deleteIfUnchanged, errorText, moveIfUnchanged } from './local-copy.ts';

/**
 * A capture's sidecar (frame.pred.json) was uploaded with it, so it leaves the capture folder
 * with it: deleted, archived beside it, or deleted from the archive with it. Like the capture, it
 * is touched only while it is still the version that was uploaded.
 */

export type SidecarStep =
  | { kind: 'delete' }
  | { kind: 'archive'; archiveDir: string }
  | { kind: 'delete-archived' };

export interface SidecarOutcome {
  /** The record's new `sidecar` value. */
  patch: Pick<FilePatch, 'sidecar'>;
  /** Half a sentence for the capture's history, e.g. "; its sidecar a.pred.json too". */
  note: string;
}

/** Applies the step to the record's uploaded sidecar; undefined when there is none to act on. */
export async function moveSidecarWith(
  record: FileRecord,
  step: SidecarStep,
): Promise<SidecarOutcome | undefined> {
  const sidecar = record.sidecar;
  if (!sidecar) return undefined;
  const known = { size: sidecar.size, mtimeMs: sidecar.mtimeMs };
  try {
    if (step.kind === 'delete-archived') {
      if (sidecar.local !== 'archived' || !sidecar.archivedPath) return undefined;
      const outcome = await deleteIfUnchanged(sidecar.archivedPath, known);
      const at = sidecar.archivedPath;
      if (outcome.kind === 'changed')
        return settled(sidecar, 'left', `; its archived sidecar ${at} was left: ${outcome.change}`);
      return settled(
        sidecar,
        outcome.kind === 'done' ? 'deleted' : 'gone',
        `; its archived sidecar ${at} too`,
      );
    }
    if (sidecar.local !== undefined) return undefined;
    if (step.kind === 'delete') {
      const outcome = await deleteIfUnchanged(sidecar.absPath, known);
      if (outcome.kind === 'changed') return leftInPlace(sidecar, outcome.change);
      const how = outcome.kind === 'done' ? 'deleted' : 'gone';
      return settled(
        sidecar,
        how,
        `; its sidecar ${sidecar.relPath} ${how === 'deleted' ? 'too' : 'was already gone'}`,
      );
    }
    const wanted = path.resolve(step.archiveDir, record.folderId, sidecar.relPath);
    if (path.relative(step.archiveDir, wanted).startsWith('..')) {
      return leftInPlace(sidecar, `its path "${sidecar.relPath}" leads outside the archive folder`);
    }
    const outcome = await moveIfUnchanged(sidecar.absPath, wanted, known);
    if (outcome.kind === 'changed') return leftInPlace(sidecar, outcome.change);
    if (outcome.kind === 'gone')
      return settled(sidecar, 'gone', `; its sidecar ${sidecar.relPath} was already gone`);
    const target = outcome.target ?? wanted;
    return {
      patch: { sidecar: { ...sidecar, local: 'archived', archivedPath: target } },
      note: `; its sidecar to ${target}`,
    };
  } catch (error) {
    return settled(
      sidecar,
      'left',
      `; its sidecar ${sidecar.relPath} could not be removed (${errorText(error)})`,
    );
  }
}

function settled(sidecar: SidecarCopy, local: SidecarCopy['local'], note: string): SidecarOutcome {
  const { archivedPath: _, ...rest } = sidecar;
  return { patch: { sidecar: { ...rest, local } }, note };
}

/** A sidecar rewritten after upload (a model re-run) is new data: it stays for a person or a later capture. */
function leftInPlace(sidecar: SidecarCopy, why: string): SidecarOutcome {
  return settled(sidecar, 'left', `; its sidecar ${sidecar.relPath} was left in place: ${why}`);
}
