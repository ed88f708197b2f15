import { Dexie, type EntityTable } from 'dexie';
import type { RequestParams, RequestResult } from '../../../shared/contract/index.ts';
import { HELD_STORE, type HeldRecord } from './held-outbox.ts';

/**
 * The outbox's IndexedDB tables (Dexie): the reviewer's corrections, each a record with a stable id
 * (a UUID made once), and held decisions (held-outbox.ts).
 *
 * Correction record states:
 * - `draft`: the item being edited (every edit rewrites it; never sent);
 * - `pending`: committed (Enter, R, bulk accept), waiting for the engine;
 * - `synced`: the engine has it (kept a while as the reviewer's local history, for undo);
 * - `refused`: the engine said no, with `why`.
 */
export type CorrectionInput = RequestParams<'corrections.submit'>['corrections'][number];
export type CorrectedObject = CorrectionInput['objects'][number];
export type SubmitOutcome = RequestResult<'corrections.submit'>['outcomes'][number];

export type OutboxStatus = 'draft' | 'pending' | 'synced' | 'refused';

export interface OutboxRecord {
  /** The correction's id, also the key in IndexedDB. */
  id: string;
  fileId: number;
  status: OutboxStatus;
  correction: CorrectionInput;
  /** When it was committed (the order records are sent in). */
  queuedAt: number;
  attempts: number;
  lastError?: string;
  why?: string;
  syncedAt?: number;
  /** What the engine answered: stored, or duplicate (it had it already). */
  answer?: 'stored' | 'duplicate';
}

export class OutboxDb extends Dexie {
  records!: EntityTable<OutboxRecord, 'id'>;
  held!: EntityTable<HeldRecord, 'id'>;
  constructor(name = 'edge-capture-review') {
    super(name);
    // [status+queuedAt]: the next batch in commit order; fileId: an item's drafts and history.
    const records = 'id, [status+queuedAt], fileId, [fileId+status]';
    this.version(1).stores({ records });
    // Version 2 adds held decisions; corrections already saved stay as they are.
    this.version(2).stores({ records, held: HELD_STORE });
  }
}

/** The records of a table in one state, oldest first (the [status+queuedAt] index), up to `before`. */
export function inStatus<R extends { id: string; status: string; queuedAt: number }>(
  table: EntityTable<R, 'id'>,
  status: R['status'],
  before?: number,
) {
  return table.where('[status+queuedAt]').between([status, Dexie.minKey], [status, before ?? Dexie.maxKey]);
}
