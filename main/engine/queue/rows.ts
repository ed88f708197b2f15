import type { FileState } from '../../../shared/status.ts';
import type { FileRecord } from './types.ts';

/** SQLite row → FileRecord. JSON columns are parsed lazily by the caller's needs; here, always. */
export function rowToRecord(row: Record<string, unknown>): FileRecord {
  return {
    id: Number(row.id),
    folderId: String(row.folder_id),
    relPath: String(row.rel_path),
    absPath: String(row.abs_path),
    size: Number(row.size),
    mtimeMs: Number(row.mtime_ms),
    state: row.state as FileState,
    stateChangedAt: Number(row.state_changed_at),
    discoveredAt: Number(row.discovered_at),
    sha256: optionalString(row.sha256),
    contentType: optionalString(row.content_type),
    inspection: parseJson(row.inspection),
    decision: parseJson(row.decision),
    rule: optionalString(row.rule),
    reason: optionalString(row.reason),
    priority: Number(row.priority ?? 0),
    objectKey: optionalString(row.object_key),
    attempts: Number(row.attempts ?? 0),
    nextAttemptAt: row.next_attempt_at == null ? undefined : Number(row.next_attempt_at),
    lastError: optionalString(row.last_error),
    duplicateOf: row.duplicate_of == null ? undefined : Number(row.duplicate_of),
    upload: parseJson(row.upload),
    archivedPath: optionalString(row.archived_path),
    sidecar: parseJson(row.sidecar),
    revision: Number(row.revision ?? 0),
  };
}

function optionalString(value: unknown): string | undefined {
  return value == null ? undefined : String(value);
}

function parseJson<T>(value: unknown): T | undefined {
  if (value == null) return undefined;
  return JSON.parse(String(value)) as T;
}
