import type { Decision } from '../../../shared/decision.ts';
import type { Inspection } from '../../../shared/inspection.ts';
import type { FileState } from '../../../shared/status.ts';

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
}

export interface FilePatch {
  reason?: string | null;
  lastError?: string | null;
  attempts?: number;
  nextAttemptAt?: number | null;
  objectKey?: string | null;
  upload?: unknown;
  duplicateOf?: number | null;
}

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
