import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { CaptureQueue } from '../queue/queue.ts';
import type { FileRecord } from '../queue/types.ts';
import type { HeldDecision, HeldOutcome } from './types.ts';

export interface HeldDecisionInput {
  /**
   * A UUID the reviewer's outbox makes once: the same decision sent again (an answer lost on the way
   * back, a reload) is applied once. Absent (a script): a repeat of the same reviewer's same
   * decision is still recognised, by reviewer and decision.
   */
  id?: string;
  fileId: number;
  decision: HeldDecision;
  reviewer: string;
  /** When the reviewer decided (it may reach the engine much later, from an offline outbox). */
  decidedAt?: number;
  note?: string;
}

/**
 * Held decisions as the engine received them: the id makes a re-send a duplicate, and the applied
 * ones say who took a file out of `held` first (the next reviewer deciding it is told so). Kept here,
 * beside the code that writes it, and created on start like the other review tables (IF NOT EXISTS).
 */
export const HELD_DECISIONS_SQL = `
CREATE TABLE IF NOT EXISTS held_decisions (
  id TEXT PRIMARY KEY,
  file_id INTEGER NOT NULL,
  decision TEXT NOT NULL,
  reviewer TEXT NOT NULL,
  decided_at INTEGER,
  received_at INTEGER NOT NULL,
  outcome TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS held_decisions_by_file ON held_decisions(file_id, received_at);
`;

export function createHeldTable(db: DatabaseSync): void {
  db.exec(HELD_DECISIONS_SQL);
}

type Queue = Pick<CaptureQueue, 'transaction' | 'get' | 'transition' | 'history' | 'database'>;

interface StoredDecision {
  id: string;
  fileId: number;
  decision: HeldDecision;
  reviewer: string;
  receivedAt: number;
  outcome: HeldOutcome;
}

function storedOf(row: Record<string, unknown>): StoredDecision {
  return {
    id: String(row['id']),
    fileId: Number(row['file_id']),
    decision: row['decision'] as HeldDecision,
    reviewer: String(row['reviewer']),
    receivedAt: Number(row['received_at']),
    outcome: JSON.parse(String(row['outcome'])) as HeldOutcome,
  };
}

/**
 * A reviewer's word on a file a rule held: `upload` sends it to the upload queue under the key the
 * site's rules give it (the same key an operator's release gives), `drop` skips it. The move and who
 * made it go into the file's history, once.
 *
 * Outcomes: `decided` (applied now); `duplicate` (this decision was applied before: nothing done
 * again); `overtaken` (the file left `held` before this decision arrived: another reviewer decided
 * first, or an operator or the engine moved it; first one wins, and the outcome says who and whether
 * they agreed); `refused` (it cannot be applied: the file is gone, or no object key can be made).
 */
export function decideHeld(
  queue: Queue,
  input: HeldDecisionInput,
  keyFor: (file: FileRecord) => string | undefined,
  now: () => number = Date.now,
): HeldOutcome {
  const db = queue.database;
  return queue.transaction(() => {
    if (input.id) {
      const row = db.prepare('SELECT * FROM held_decisions WHERE id = ?').get(input.id);
      if (row) return replay(storedOf(row), input);
    }
    const file = queue.get(input.fileId);
    if (!file)
      return { fileId: input.fileId, status: 'refused', why: 'This file is no longer in the queue.' };
    const applied = appliedFor(db, file.id);
    if (file.state !== 'held') {
      // A script re-sending its own decision without an id.
      const same = applied.find((d) => d.reviewer === input.reviewer && d.decision === input.decision);
      if (!input.id && same?.outcome.status === 'decided') return { ...same.outcome, status: 'duplicate' };
      const outcome = overtaken(queue, file, input, applied[0]);
      record(db, input, outcome, now());
      return outcome;
    }
    const outcome = apply(queue, file, input, keyFor);
    // A refusal is not kept: nothing was done, and the same decision may work later (once inspected).
    if (outcome.status === 'decided') record(db, input, outcome, now());
    return outcome;
  });
}

/** The same decision id again: what happened the first time, never a second move. */
function replay(stored: StoredDecision, input: HeldDecisionInput): HeldOutcome {
  if (stored.fileId !== input.fileId || stored.decision !== input.decision)
    return {
      fileId: input.fileId,
      status: 'refused',
      why: `Held decision ${stored.id} is already recorded for another file or decision; a new decision needs a new id.`,
    };
  if (stored.outcome.status === 'decided') return { ...stored.outcome, status: 'duplicate' };
  return stored.outcome;
}

/** Decisions that moved this file out of `held`, first first. */
function appliedFor(db: DatabaseSync, fileId: number): StoredDecision[] {
  return db
    .prepare('SELECT * FROM held_decisions WHERE file_id = ? ORDER BY received_at, rowid')
    .all(fileId)
    .map(storedOf)
    .filter((d) => d.outcome.status === 'decided');
}

function record(db: DatabaseSync, input: HeldDecisionInput, outcome: HeldOutcome, at: number): void {
  db.prepare(
    'INSERT INTO held_decisions (id, file_id, decision, reviewer, decided_at, received_at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(
    input.id ?? randomUUID(),
    input.fileId,
    input.decision,
    input.reviewer,
    input.decidedAt ?? null,
    at,
    JSON.stringify(outcome),
  );
}

const words = (state: string) => state.replace(/_/g, ' ');

/** The file is no longer held: says who took it out first, and whether they decided the same. */
function overtaken(
  queue: Queue,
  file: FileRecord,
  input: HeldDecisionInput,
  first: StoredDecision | undefined,
): HeldOutcome {
  const mine = input.decision === 'upload' ? 'upload' : 'drop';
  if (first) {
    const agrees = first.decision === input.decision;
    const who = first.reviewer === input.reviewer ? 'You' : first.reviewer;
    const what = first.decision === 'upload' ? 'chose to upload it' : 'dropped it';
    return {
      fileId: file.id,
      status: 'overtaken',
      state: file.state,
      by: first.reviewer,
      decision: first.decision,
      at: first.receivedAt,
      agrees,
      why: agrees
        ? `${who} already ${what}; nothing more to do (it is ${words(file.state)}).`
        : `${who} ${what} first; your ${mine} was not applied (it is ${words(file.state)}).`,
    };
  }
  // Out of `held` some other way (an operator, the engine): the history says how.
  const left = queue.history(file.id).findLast((change) => change.from === 'held' && change.to !== 'held');
  const how = left?.detail ? `: ${left.detail}` : '';
  return {
    fileId: file.id,
    status: 'overtaken',
    state: file.state,
    ...(left ? { at: left.at } : {}),
    agrees: false,
    why: `This file is no longer held for review; it is ${words(file.state)}${how}. Your ${mine} was not applied.`,
  };
}

function apply(
  queue: Queue,
  file: FileRecord,
  input: HeldDecisionInput,
  keyFor: (file: FileRecord) => string | undefined,
): HeldOutcome {
  const note = input.note ? ` (${input.note})` : '';
  if (input.decision === 'drop') {
    const reason = `review: drop by ${input.reviewer}${note}; not uploaded (was held: ${file.reason ?? 'no reason recorded'})`;
    const moved = queue.transition(file.id, 'skipped', { reason }, reason);
    return { fileId: file.id, status: 'decided', state: moved.state };
  }
  const key = file.objectKey ?? file.decision?.objectKey ?? keyFor(file);
  if (!key)
    return {
      fileId: file.id,
      status: 'refused',
      why: file.inspection
        ? 'No object key could be made for this file from the key template.'
        : 'This file was never inspected, so it cannot be uploaded yet.',
    };
  const reason = `review: upload by ${input.reviewer}${note}; queued as ${key} (was held: ${file.reason ?? 'no reason recorded'})`;
  const moved = queue.transition(
    file.id,
    'queued',
    { objectKey: key, attempts: 0, nextAttemptAt: null, lastError: null, reason },
    reason,
  );
  return { fileId: file.id, status: 'decided', state: moved.state, objectKey: key };
}
