import { Dexie, type EntityTable } from 'dexie';
import type { RequestParams, RequestResult } from '../../../shared/contract/index.ts';

/**
 * Held decisions in the outbox: a reviewer's "upload" or "drop" of a file a rule held is written to
 * IndexedDB at once, with a UUID made once, and sent (`review.decideHeld`) when the engine answers.
 * The engine applies an id once, so a re-send after a lost answer never uploads or drops twice; a file
 * another reviewer decided first comes back `overtaken`, which the reviewer sees as a conflict.
 *
 * Record states:
 * - `pending`: decided here, not confirmed by the engine yet (a change of mind replaces it);
 * - `done`: the engine applied it (or had already: `answer.status` is `duplicate`);
 * - `overtaken`: the file had left `held` first (someone else decided, or an operator moved it);
 * - `refused`: the engine said no, with why.
 */
export type HeldChoice = 'upload' | 'drop';
export type HeldInput = RequestParams<'review.decideHeld'> & { id: string };
export type HeldAnswer = RequestResult<'review.decideHeld'>;
export type HeldStatus = 'pending' | 'done' | 'overtaken' | 'refused';

export interface HeldRecord {
  id: string;
  fileId: number;
  status: HeldStatus;
  decision: HeldChoice;
  reviewer: string;
  decidedAt: number;
  /** Order of sending. */
  queuedAt: number;
  attempts: number;
  lastError?: string;
  answer?: HeldAnswer;
  syncedAt?: number;
}

/**
 * Sends decisions in one request (at most MAX_HELD_BATCH) and gives one answer per decision, in order;
 * throws when the engine could not be reached (tried again later).
 */
export type SendHeld = (decisions: HeldInput[]) => Promise<HeldAnswer[]>;

export const HELD_STORE = 'id, [status+queuedAt], fileId';

export function heldInput(record: HeldRecord): HeldInput {
  return {
    id: record.id,
    fileId: record.fileId,
    decision: record.decision,
    reviewer: record.reviewer,
    decidedAt: record.decidedAt,
  };
}

export function statusOf(answer: HeldAnswer): Exclude<HeldStatus, 'pending'> {
  if (answer.status === 'decided' || answer.status === 'duplicate') return 'done';
  return answer.status;
}

/**
 * Records a decision. A pending one of the same reviewer for the file, not on its way, is replaced
 * (a change of mind before it was sent); otherwise it is a new decision with a new id.
 */
export async function saveHeld(
  db: Dexie,
  held: EntityTable<HeldRecord, 'id'>,
  input: { fileId: number; decision: HeldChoice; reviewer: string },
  inFlight: ReadonlySet<string>,
  now: number,
): Promise<HeldRecord> {
  return db.transaction('rw', held, async () => {
    const earlier = await held
      .where('fileId')
      .equals(input.fileId)
      .filter((r) => r.status === 'pending' && r.reviewer === input.reviewer && !inFlight.has(r.id))
      .toArray();
    await held.bulkDelete(earlier.map((r) => r.id));
    const record: HeldRecord = {
      id: crypto.randomUUID(),
      fileId: input.fileId,
      status: 'pending',
      decision: input.decision,
      reviewer: input.reviewer,
      decidedAt: now,
      queuedAt: now,
      attempts: 0,
    };
    await held.put(record);
    return record;
  });
}

export function listHeld(held: EntityTable<HeldRecord, 'id'>, status: HeldStatus, limit = 1000) {
  return held
    .where('[status+queuedAt]')
    .between([status, Dexie.minKey], [status, Dexie.maxKey])
    .limit(limit)
    .toArray();
}
