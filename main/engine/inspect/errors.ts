import type { FileState } from '../../../shared/status.ts';

/** Why a file could not be inspected. The queue turns each kind into a file state. */
export type InspectFailureKind = 'vanished' | 'unreadable' | 'too_large' | 'changed' | 'link_refused';

/** The state a file takes for each failure; `changed` is not final (the file is looked at again). */
export const STATE_FOR_FAILURE: Record<Exclude<InspectFailureKind, 'changed'>, FileState> = {
  vanished: 'vanished',
  unreadable: 'unreadable',
  too_large: 'too_large',
  link_refused: 'link_refused',
};

export class InspectFailure extends Error {
  readonly kind: InspectFailureKind;
  /** The errno code behind it (ENOENT, EACCES, ...), when there was one. */
  readonly code: string | undefined;

  constructor(kind: InspectFailureKind, message: string, code?: string) {
    super(message);
    this.name = 'InspectFailure';
    this.kind = kind;
    this.code = code;
  }
}

/** Errno codes that mean "this file cannot be read", each with what to do about it. */
const UNREADABLE_CODES: Record<string, string> = {
  EACCES:
    'permission denied; give the capture service read access to the file and execute access to its folders',
  EPERM:
    'operation not permitted; check the file permissions, ACLs and any security policy (SELinux, AppArmor)',
  EISDIR: 'it is a directory, not a file',
  EIO: 'I/O error; the disk or network share may be failing or disconnected (check the system log)',
  ELOOP: 'too many symbolic links; fix the link loop',
  ENAMETOOLONG: 'the path is too long for the operating system; use shorter folder or file names',
  ENXIO: 'it is a device or socket, not a regular file',
  ESTALE: 'stale network file handle; remount the share',
};

/**
 * Maps a filesystem error to an InspectFailure. Errors that say nothing about the file
 * (EMFILE, ENOMEM, ...) are returned unchanged so the caller can retry later.
 */
export function toInspectFailure(err: unknown, absPath: string): unknown {
  if (err instanceof InspectFailure) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new InspectFailure('vanished', `${absPath} no longer exists (it was moved or deleted)`, code);
  }
  const hint = code ? UNREADABLE_CODES[code] : undefined;
  if (code && hint)
    return new InspectFailure('unreadable', `cannot read ${absPath}: ${hint} (${code})`, code);
  return err;
}
