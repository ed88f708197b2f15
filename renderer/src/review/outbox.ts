import { type HeldChoice, type HeldRecord, listHeld, type SendHeld, saveHeld } from './held-outbox.ts';
import {
  type CorrectionInput,
  inStatus,
  type OutboxDb,
  type OutboxRecord,
  type OutboxStatus,
} from './outbox-db.ts';
import { type OutboxOptions, OutboxSync, type SubmitBatch, type SyncState } from './outbox-sync.ts';

export {
  type CorrectedObject,
  type CorrectionInput,
  OutboxDb,
  type OutboxRecord,
  type OutboxStatus,
  type SubmitOutcome,
} from './outbox-db.ts';
export type { OutboxOptions, SubmitBatch, SyncState } from './outbox-sync.ts';

export interface OutboxCounts {
  /** Committed corrections and held decisions not confirmed by the engine yet. */
  unsynced: number;
  /** Of which held decisions. */
  heldUnsynced: number;
  refused: number;
  drafts: number;
  /** Held decisions another reviewer (or an operator) overtook with a different outcome. */
  heldConflicts: number;
}

/**
 * The reviewer's outbox: every change is written to IndexedDB (outbox-db.ts) the moment it is made,
 * so a reload, a renderer crash or a lost connection to the engine loses nothing. Committed records
 * are sent to the engine (outbox-sync.ts) whenever it answers. A record stays until the engine says
 * `stored` or `duplicate`; `refused` is final and kept with its reason for the reviewer to see.
 *
 * Held decisions (upload / drop of a held file) wait in their own table, sent after the corrections:
 * see held-outbox.ts.
 */
export class Outbox {
  readonly db: OutboxDb;
  private readonly now: () => number;
  private readonly sending: OutboxSync;
  private readonly listeners = new Set<() => void>();

  constructor(db: OutboxDb, options: OutboxOptions = {}) {
    this.db = db;
    this.now = options.now ?? Date.now;
    this.sending = new OutboxSync(db, options, () => this.changed());
  }

  /** The sending loop's state: sending, the last error and when the next try is due. */
  get state(): SyncState {
    return this.sending.state;
  }

  /** Called on every change of the records or of the sync state. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  /**
   * Where batches go (null: nowhere now, e.g. disconnected), and where held decisions go (absent:
   * they wait). Connecting starts a sync.
   */
  connect(submit: SubmitBatch | null, sendHeld?: SendHeld): void {
    this.sending.connect(submit, sendHeld);
  }

  close(): void {
    this.sending.close();
    this.listeners.clear();
  }

  /** Sends what is pending, batch after batch, until nothing is left or the engine is out of reach. */
  sync(): Promise<void> {
    return this.sending.sync();
  }

  /** Resolves when nothing is pending (or the engine is out of reach and the outbox waits to retry). */
  settled(): Promise<void> {
    return this.sending.settled();
  }

  /** The draft of an item (the reviewer's unfinished edit), if any. */
  draftFor(fileId: number, reviewer: string): Promise<OutboxRecord | undefined> {
    return this.db.records
      .where('[fileId+status]')
      .equals([fileId, 'draft'])
      .filter((r) => r.correction.reviewer === reviewer)
      .first();
  }

  /** Every record of an item, oldest first. */
  async forFile(fileId: number): Promise<OutboxRecord[]> {
    const records = await this.db.records.where('fileId').equals(fileId).toArray();
    return records.sort((a, b) => a.correction.createdAt - b.correction.createdAt);
  }

  /**
   * Saves the reviewer's current edit of an item at once. The draft keeps its id across edits (it is
   * never sent while a draft); a new draft gets a new UUID.
   */
  async saveDraft(draft: Omit<CorrectionInput, 'id' | 'createdAt'> & { id?: string }): Promise<OutboxRecord> {
    const now = this.now();
    const record = await this.db.transaction('rw', this.db.records, async () => {
      const existing = draft.id
        ? await this.db.records.get(draft.id)
        : await this.draftFor(draft.fileId, draft.reviewer);
      const next = recordOf(draft, 'draft', existing, now);
      await this.db.records.put(next);
      return next;
    });
    this.changed();
    return record;
  }

  /** Forgets an item's draft (its edits were undone back to nothing). */
  async discardDraft(id: string): Promise<void> {
    await this.db.transaction('rw', this.db.records, async () => {
      const record = await this.db.records.get(id);
      if (record?.status === 'draft') await this.db.records.delete(id);
    });
    this.changed();
  }

  /**
   * Commits a correction: from a draft (same id) or new. From here on its content never changes: a
   * later change of mind is a new correction with a new id, which supersedes it in the engine.
   */
  async commit(input: Omit<CorrectionInput, 'id' | 'createdAt'> & { id?: string }): Promise<OutboxRecord> {
    const now = this.now();
    const record = await this.db.transaction('rw', this.db.records, async () => {
      const existing = input.id ? await this.db.records.get(input.id) : undefined;
      const next = recordOf(input, 'pending', existing, now);
      // One draft per item and reviewer: committing ends it.
      const drafts = await this.db.records.where('[fileId+status]').equals([input.fileId, 'draft']).toArray();
      await this.db.records.bulkDelete(
        drafts.filter((d) => d.correction.reviewer === input.reviewer && d.id !== next.id).map((d) => d.id),
      );
      await this.db.records.put(next);
      return next;
    });
    this.changed();
    void this.sync();
    return record;
  }

  /**
   * Takes back a committed correction that has not reached the engine (undo before sync). Returns
   * false when it is already there (or on its way): then undo is a new correction.
   */
  async withdraw(id: string): Promise<boolean> {
    if (this.sending.inFlight.has(id)) return false;
    const removed = await this.db.transaction('rw', this.db.records, async () => {
      const record = await this.db.records.get(id);
      if (!record || (record.status !== 'pending' && record.status !== 'refused')) return false;
      if (this.sending.inFlight.has(id)) return false;
      await this.db.records.delete(id);
      return true;
    });
    if (removed) this.changed();
    return removed;
  }

  /**
   * Records a reviewer's upload / drop of a held file at once and sends it when it can. A pending
   * decision of theirs for the file, not on its way yet, is replaced (a change of mind).
   */
  async decideHeld(input: { fileId: number; decision: HeldChoice; reviewer: string }): Promise<HeldRecord> {
    const record = await saveHeld(this.db, this.db.held, input, this.sending.inFlight, this.now());
    this.changed();
    void this.sync();
    return record;
  }

  /** Every held decision of an item, oldest first. */
  async heldFor(fileId: number): Promise<HeldRecord[]> {
    const records = await this.db.held.where('fileId').equals(fileId).toArray();
    return records.sort((a, b) => a.queuedAt - b.queuedAt);
  }

  /** Held decisions in one state, oldest first. */
  listHeld(status: HeldRecord['status'], limit = 1000): Promise<HeldRecord[]> {
    return listHeld(this.db.held, status, limit);
  }

  /** Every held decision kept here (pending ones, and answered ones until pruned). */
  allHeld(): Promise<HeldRecord[]> {
    return this.db.held.toArray();
  }

  /** Takes back a held decision not sent yet (undo); false when it is on its way or answered. */
  async withdrawHeld(id: string): Promise<boolean> {
    if (this.sending.inFlight.has(id)) return false;
    const removed = await this.db.transaction('rw', this.db.held, async () => {
      const record = await this.db.held.get(id);
      if (record?.status !== 'pending' || this.sending.inFlight.has(id)) return false;
      await this.db.held.delete(id);
      return true;
    });
    if (removed) this.changed();
    return removed;
  }

  async counts(): Promise<OutboxCounts> {
    const [heldUnsynced, heldConflicts, unsynced, refused, drafts] = await Promise.all([
      inStatus(this.db.held, 'pending').count(),
      inStatus(this.db.held, 'overtaken')
        .filter((r) => r.answer?.status === 'overtaken' && !r.answer.agrees)
        .count(),
      inStatus(this.db.records, 'pending').count(),
      inStatus(this.db.records, 'refused').count(),
      inStatus(this.db.records, 'draft').count(),
    ]);
    return { unsynced: unsynced + heldUnsynced, heldUnsynced, refused, drafts, heldConflicts };
  }

  /** Records in one state, oldest first. */
  list(status: OutboxStatus, limit = 1000): Promise<OutboxRecord[]> {
    return inStatus(this.db.records, status).limit(limit).toArray();
  }
}

/**
 * The record a draft or a commit writes: it continues the item's draft (same id and creation time)
 * when `existing` is one, else it is a new correction with a new UUID.
 */
function recordOf(
  input: Omit<CorrectionInput, 'id' | 'createdAt'> & { id?: string },
  status: 'draft' | 'pending',
  existing: OutboxRecord | undefined,
  now: number,
): OutboxRecord {
  const draft = existing?.status === 'draft' ? existing : undefined;
  const id = draft?.id ?? crypto.randomUUID();
  const correction: CorrectionInput = {
    ...withoutId(input),
    id,
    createdAt: draft?.correction.createdAt ?? now,
    updatedAt: now,
  };
  return { id, fileId: input.fileId, status, correction, queuedAt: now, attempts: 0 };
}

function withoutId<T extends { id?: string }>(input: T): Omit<T, 'id'> {
  const { id: _id, ...rest } = input;
  return rest;
}
