import type { StatementSync } from 'node:sqlite';
import type { Decision } from '../../../shared/decision.ts';
import type { FileState } from '../../../shared/status.ts';
import { summarise } from './delivery-summary.ts';
import {
  DEFAULT_DESTINATION,
  type DeliveryPatch,
  type DeliveryPlan,
  type DeliveryRecord,
  type DeliveryState,
  isDeliveryState,
} from './delivery-types.ts';
import type { FilePatch, QueueChange, SidecarCopy } from './types.ts';

/** What the delivery table needs from the queue it lives in (same connection, same transaction). */
export interface DeliveryHost {
  sql(text: string): StatementSync;
  record(change: Omit<QueueChange, 'seq' | 'at'>): void;
  now(): number;
  /** Moves the file itself, as the summary of its deliveries (no delivery bookkeeping again). */
  moveFile(
    id: number,
    to: FileState,
    patch: FilePatch,
    detail: string | undefined,
    cause: DeliveryCause,
  ): void;
}

export interface DeliveryCause {
  destination: string;
  delivery: DeliveryState;
}

const PATCH_COLUMNS: [keyof DeliveryPatch, string, (v: unknown) => string | number | null][] = [
  ['attempts', 'attempts', (v) => Number(v)],
  ['nextAttemptAt', 'next_attempt_at', (v) => (v == null ? null : Number(v))],
  ['lastError', 'last_error', (v) => (v == null ? null : String(v))],
  ['objectKey', 'object_key', (v) => (v == null ? null : String(v))],
  ['upload', 'upload', (v) => (v == null ? null : JSON.stringify(v))],
  ['sidecar', 'sidecar', (v) => (v == null ? null : JSON.stringify(v))],
];

/** The upload-flow states a file can be moved to from outside: each non-uploaded delivery follows. */
const FOLLOWED: ReadonlySet<FileState> = new Set([
  'uploading',
  'failed',
  'conflict',
  'quarantined',
  'uploaded',
]);

/**
 * Per-destination uploads of each file. Every change runs inside the queue's transaction and, when it
 * changes what the file's summary says (delivery-summary.ts), moves the file in the same commit, so
 * the file's state, its deliveries and the change log never disagree, even after kill -9.
 */
export class DeliveryTable {
  private readonly host: DeliveryHost;
  private defaults: string[] = [DEFAULT_DESTINATION];

  constructor(host: DeliveryHost) {
    this.host = host;
  }

  /** The destinations a decided file goes to when its rule names none (`to:` absent). */
  setDefaults(names: readonly string[]): void {
    this.defaults = names.length > 0 ? [...names] : [DEFAULT_DESTINATION];
  }

  get defaultDestinations(): readonly string[] {
    return this.defaults;
  }

  forFile(fileId: number): DeliveryRecord[] {
    return this.host
      .sql('SELECT * FROM deliveries WHERE file_id = ? ORDER BY ordinal, destination')
      .all(fileId)
      .map(rowToDelivery);
  }

  get(fileId: number, destination: string): DeliveryRecord | undefined {
    const row = this.host
      .sql('SELECT * FROM deliveries WHERE file_id = ? AND destination = ?')
      .get(fileId, destination);
    return row ? rowToDelivery(row) : undefined;
  }

  /** Counts by state for each destination (kept by triggers, so cheap to ask often). */
  counts(): Record<string, Partial<Record<DeliveryState, number>>> {
    const counts: Record<string, Partial<Record<DeliveryState, number>>> = {};
    for (const row of this.host.sql('SELECT destination, state, n FROM delivery_counts WHERE n > 0').all()) {
      const name = String(row.destination);
      counts[name] = { ...counts[name], [row.state as DeliveryState]: Number(row.n) };
    }
    return counts;
  }

  /**
   * Moves one delivery when it is in one of `from`; returns whether it moved. The file follows when
   * its summary changes; its attempts, error, key and progress are those of the delivery deciding it.
   */
  move(
    fileId: number,
    destination: string,
    from: readonly DeliveryState[],
    to: DeliveryState,
    patch: DeliveryPatch = {},
    detail?: string,
  ): boolean {
    const current = this.get(fileId, destination);
    if (!current || !from.includes(current.state)) return false;
    this.write(fileId, destination, current.state, to, patch);
    this.settle(fileId, { destination, delivery: to }, current.state, patch, detail);
    return true;
  }

  /** Moves a delivery without looking at its state first (crash recovery, operator actions). */
  private write(
    fileId: number,
    destination: string,
    from: DeliveryState,
    to: DeliveryState,
    patch: DeliveryPatch,
  ): void {
    const sets: string[] = [];
    const values: (string | number | null)[] = [];
    if (from !== to) {
      sets.push('state = ?', 'state_changed_at = ?');
      values.push(to, this.host.now());
    }
    for (const [key, column, convert] of PATCH_COLUMNS) {
      if (key in patch) {
        sets.push(`${column} = ?`);
        values.push(convert(patch[key]));
      }
    }
    if (sets.length === 0) return;
    this.host
      .sql(`UPDATE deliveries SET ${sets.join(', ')} WHERE file_id = ? AND destination = ?`)
      .run(...values, fileId, destination);
  }

  /**
   * Brings the file in line with its deliveries after one of them changed. A file with one delivery
   * mirrors it exactly (as before destinations were many); with several, each delivery's change is
   * logged on its own and the file moves only when the summary does.
   */
  private settle(
    fileId: number,
    cause: DeliveryCause,
    from: DeliveryState,
    patch: DeliveryPatch,
    detail: string | undefined,
  ): void {
    const all = this.forFile(fileId);
    const summary = summarise(all);
    const file = this.host.sql('SELECT state, rel_path, folder_id FROM files WHERE id = ?').get(fileId);
    if (!summary || !file) return;
    const single = all.length === 1;
    const fileState = file.state as FileState;
    const filePatch = mirrored(summary.decidedBy, summary.state, all, patch);
    if (!single && (from !== cause.delivery || detail)) {
      this.host.record({
        fileId,
        kind: 'delivery',
        relPath: String(file.rel_path),
        folderId: String(file.folder_id),
        destination: cause.destination,
        delivery: cause.delivery,
        detail: `${cause.destination}: ${from === cause.delivery ? from : `${from} → ${cause.delivery}`}${detail ? `; ${detail}` : ''}`,
      });
    }
    if (fileState === summary.state) {
      // Same state: keep the file's mirrored fields current (a single delivery's multipart progress).
      if (single || from !== cause.delivery) {
        this.host.moveFile(fileId, fileState, filePatch, single ? detail : undefined, cause);
      }
      return;
    }
    const why = single ? detail : `${cause.destination}: ${detail ?? cause.delivery}`;
    this.host.moveFile(fileId, summary.state, filePatch, why, cause);
  }

  /**
   * A file moved by someone other than its deliveries (a decision, a person, the watcher): its
   * deliveries follow. `queued` (re)plans them, `discovered` forgets them (the file is decided
   * again), upload-flow states move every unfinished delivery along, anything else (held, skipped,
   * vanished…) cancels the unfinished ones.
   */
  followFile(fileId: number, from: FileState, to: FileState, patch: FilePatch): void {
    if (from === to) return;
    if (to === 'discovered') {
      this.host.sql('DELETE FROM deliveries WHERE file_id = ?').run(fileId);
      return;
    }
    if (to === 'queued') {
      this.plan(fileId);
    } else if (FOLLOWED.has(to) && isDeliveryState(to)) {
      for (const delivery of this.forFile(fileId)) {
        if (delivery.state !== 'uploaded')
          this.write(fileId, delivery.destination, delivery.state, to, patch);
      }
    } else {
      this.host.sql("DELETE FROM deliveries WHERE file_id = ? AND state != 'uploaded'").run(fileId);
    }
  }

  /** Creates (or requeues) the deliveries a queued file's decision asks for. */
  private plan(fileId: number): void {
    const file = this.host.sql('SELECT decision, priority, object_key FROM files WHERE id = ?').get(fileId);
    if (!file) return;
    const decision = file.decision == null ? undefined : (JSON.parse(String(file.decision)) as Decision);
    const key = file.object_key == null ? undefined : String(file.object_key);
    this.planDecided(fileId, decision, Number(file.priority ?? 0), key);
  }

  /**
   * plan() with the decision in hand (the pipeline has just decided it): returns whether a delivery
   * is left to send. False means every planned destination already has the file, or none was planned.
   */
  planDecided(
    fileId: number,
    decision: Decision | undefined,
    priority: number,
    objectKey: string | undefined,
  ): boolean {
    const now = this.host.now();
    let leftToSend = false;
    planOf(decision, this.defaults, objectKey).forEach((plan, ordinal) => {
      const row = this.host
        .sql(
          `INSERT INTO deliveries (file_id, destination, state, ordinal, priority, object_key, state_changed_at)
           VALUES (?, ?, 'queued', ?, ?, ?, ?)
           ON CONFLICT (file_id, destination) DO UPDATE SET
             state = CASE WHEN state = 'uploaded' THEN state ELSE 'queued' END,
             state_changed_at = CASE WHEN state = 'uploaded' THEN state_changed_at ELSE excluded.state_changed_at END,
             ordinal = excluded.ordinal, priority = excluded.priority,
             object_key = CASE WHEN state = 'uploaded' THEN object_key ELSE coalesce(excluded.object_key, object_key) END,
             attempts = CASE WHEN state = 'uploaded' THEN attempts ELSE 0 END,
             next_attempt_at = NULL, last_error = CASE WHEN state = 'uploaded' THEN last_error ELSE NULL END
           RETURNING state`,
        )
        .get(fileId, plan.destination, ordinal, priority, plan.objectKey ?? null, now);
      if (row?.state !== 'uploaded') leftToSend = true;
    });
    return leftToSend;
  }

  /** After the file was queued: every destination may already have it (a requeue). Returns the summary. */
  summaryOf(fileId: number): FileState | undefined {
    return summarise(this.forFile(fileId))?.state;
  }

  /** After a crash: this destination's uploads in flight go back to `queued`, progress kept. */
  recoverInterrupted(destination: string): number {
    const ids = this.host
      .sql("SELECT file_id FROM deliveries WHERE destination = ? AND state = 'uploading'")
      .all(destination)
      .map((row) => Number(row.file_id));
    for (const id of ids) {
      this.move(id, destination, ['uploading'], 'queued', {}, 'upload interrupted by a restart; resuming');
    }
    return ids.length;
  }

  /**
   * Deliveries to destinations the config no longer has (a queue from before `destinations:`, whose
   * single destination was `default`): handed to the site's first default destination.
   */
  adopt(known: readonly string[]): number {
    const target = this.defaults[0];
    if (!target || known.length === 0) return 0;
    const marks = known.map(() => '?').join(', ');
    const result = this.host
      .sql(
        `UPDATE OR IGNORE deliveries SET destination = ? WHERE destination NOT IN (${marks}) AND state != 'uploaded'`,
      )
      .run(target, ...known);
    return Number(result.changes);
  }
}

/** A decision's destinations and keys; decisions from before `to:` go to the site's defaults. */
export function planOf(
  decision: Decision | undefined,
  defaults: readonly string[],
  key?: string,
): DeliveryPlan[] {
  if (decision?.deliveries && decision.deliveries.length > 0) return decision.deliveries;
  return defaults.map((destination) => ({ destination, objectKey: key ?? decision?.objectKey }));
}

/** The file's fields as the deciding delivery has them. */
function mirrored(
  decidedBy: DeliveryRecord,
  state: FileState,
  all: readonly DeliveryRecord[],
  patch: DeliveryPatch,
): FilePatch {
  const filePatch: FilePatch = {
    attempts: decidedBy.attempts,
    nextAttemptAt: decidedBy.nextAttemptAt ?? null,
    lastError: decidedBy.lastError ?? null,
    objectKey: decidedBy.objectKey ?? null,
    upload: decidedBy.upload ?? null,
  };
  if (state === 'uploaded') {
    // The local sidecar is one file whichever destination it went to: retention manages it from here.
    filePatch.sidecar = all.find((d) => d.sidecar)?.sidecar ?? null;
    filePatch.upload = null;
  }
  if ('reason' in patch) filePatch.reason = patch.reason;
  return filePatch;
}

function rowToDelivery(row: Record<string, unknown>): DeliveryRecord {
  return {
    fileId: Number(row.file_id),
    destination: String(row.destination),
    state: row.state as DeliveryState,
    ordinal: Number(row.ordinal ?? 0),
    priority: Number(row.priority ?? 0),
    attempts: Number(row.attempts ?? 0),
    nextAttemptAt: row.next_attempt_at == null ? undefined : Number(row.next_attempt_at),
    lastError: row.last_error == null ? undefined : String(row.last_error),
    objectKey: row.object_key == null ? undefined : String(row.object_key),
    upload: row.upload == null ? undefined : JSON.parse(String(row.upload)),
    sidecar: row.sidecar == null ? undefined : (JSON.parse(String(row.sidecar)) as SidecarCopy),
    stateChangedAt: Number(row.state_changed_at),
  };
}
