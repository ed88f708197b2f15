import type { Decision } from '../../../shared/decision.ts';
import type { Inspection } from '../../../shared/inspection.ts';
import type { FileState } from '../../../shared/status.ts';
import type { DeliveryState } from './delivery-types.ts';

/** One captured file as the queue knows it. */
export interface FileRecord {
  id: number;
  folderId: string;
  relPath: string;
  absPath: string;
  size: number;
  mtimeMs: number;
  state: FileState;
  stateChangedAt: number;
  discoveredAt: number;
  sha256?: string;
  contentType?: string;
  inspection?: Inspection;
  decision?: Decision;
  rule?: string;
  reason?: string;
  priority: number;
  objectKey?: string;
  attempts: number;
  nextAttemptAt?: number;
  lastError?: string;
  duplicateOf?: number;
  /** Uploader's resumable progress (multipart id, parts); opaque to the queue. */
  upload?: unknown;
  /** Where retention moved the local copy (state `removed`), while that archived copy is ours to manage. */
  archivedPath?: string;
  /** The prediction sidecar uploaded beside this capture, and what retention did with its local copy. */
  sidecar?: SidecarCopy;
  /** Bumped whenever the file's facts change (content, sidecar); commits check it is still the one inspected. */
  revision?: number;
}

/** A capture's sidecar (e.g. frame.pred.json) as uploaded with it: same verification, same retention. */
export interface SidecarCopy {
  /** Relative to the capture folder, `/`-separated. */
  relPath: string;
  absPath: string;
  size: number;
  /** Floored to whole milliseconds, as for captures. */
  mtimeMs: number;
  sha256: string;
  /** Object key at the destination (prefix applied). */
  key: string;
  /** What retention did with the local copy; absent while it is still where it was uploaded from. */
  local?: 'deleted' | 'archived' | 'gone' | 'left';
  /** Set while local is `archived`. */
  archivedPath?: string;
}

/** A change the UI and logs can follow. `seq` orders all changes and lets a client catch up. */
export interface QueueChange {
  seq: number;
  at: number;
  fileId: number | null;
  kind: string;
  from?: FileState;
  to?: FileState;
  relPath?: string;
  folderId?: string;
  detail?: string;
  /** Set when the change came from one destination's upload (not stored: the detail names it). */
  destination?: string;
  /** That delivery's new state. */
  delivery?: DeliveryState;
}

export interface FilePatch {
  reason?: string | null;
  lastError?: string | null;
  attempts?: number;
  nextAttemptAt?: number | null;
  objectKey?: string | null;
  upload?: unknown;
  duplicateOf?: number | null;
  archivedPath?: string | null;
  sidecar?: SidecarCopy | null;
}

/** A file as the pipeline reads it before inspecting it (queue.inspectionTarget). */
export type InspectionTarget = Pick<
  FileRecord,
  'id' | 'folderId' | 'relPath' | 'absPath' | 'state' | 'inspection'
> & {
  revision: number;
};

export interface DiscoveredFile {
  folderId: string;
  relPath: string;
  absPath: string;
  size: number;
  mtimeMs: number;
}

export type DiscoverOutcome = 'new' | 'changed' | 'unchanged';

export interface ListOptions {
  states?: readonly FileState[];
  folderId?: string;
  /** Only files sent to this destination; `states` then filters on that delivery's state. */
  destination?: string;
  /** Opaque cursor from the previous page. */
  cursor?: string;
  limit?: number;
  /** `newest` (default) or `oldest` first. */
  order?: 'newest' | 'oldest';
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}
