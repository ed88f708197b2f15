import { Dexie, type EntityTable } from 'dexie';
import type { RequestParams, RequestResult } from '../../../shared/contract/index.ts';
import {
  HELD_STORE,
  type HeldChoice,
  type HeldRecord,
  heldInput,
  listHeld,
  type SendHeld,
  saveHeld,
  statusOf,
} from './held-outbox.ts';

/**
 * The reviewer's outbox: every change is written to IndexedDB (Dexie) the moment it is made, as a
 * correction record with a stable id (a UUID made once), so a reload, a renderer crash or a lost
 * connection to the engine loses nothing. Committed records are sent to the engine in batches
 * (`corrections.submit`) whenever it answers; the engine is idempotent by id, so sending a record twice
 * (an answer lost on the way back) stores it once. A record stays until the engine says `stored` or
 * `duplicate`; `refused` is final and kept with its reason for the reviewer to see.
 *
 * Record states:
 * - `draft`: the item being edited (every edit rewrites it; never sent);
 * - `pending`: committed (Enter, R, bulk accept), waiting for the engine;
 * - `synced`: the engine has it (kept a while as the reviewer's local history, for undo);
 * - `refused`: the engine said no, with `why`.
 *
 * Held decisions (upload / drop of a held file) wait in their own table, sent after the corrections:
 * see held-outbox.ts.
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

/** Sends a batch; throws when the engine could not be reached (the batch is tried again later). */
export type SubmitBatch = (corrections: CorrectionInput[]) => Promise<SubmitOutcome[]>;

export interface OutboxOptions {
  /** Records per `corrections.submit` (the contract allows 500). */
  batch?: number;
  /** Waits after failed sends, in ms, the last repeated. */
  backoffMs?: readonly number[];
  /** Synced records older than this are pruned from the local history. */
  keepSyncedMs?: number;
  now?: () => number;
}

export interface SyncState {
  /** A send is under way. */
  sending: boolean;
  /** Why the last send failed (cleared by a good one). */
  lastError?: string;
  /** When the next try is due after a failure. */
  retryAt?: number;
  lastSyncAt?: number;
}

const DEFAULT_BACKOFF = [1000, 2000, 4000, 8000, 15_000, 30_000];

export class Outbox {
  readonly db: OutboxDb;
  private submit: SubmitBatch | undefined;
  private sendHeld: SendHeld | undefined;
  private readonly batch: number;
  private readonly backoff: readonly number[];
  private readonly keepSyncedMs: number;
  private readonly now: () => number;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  /** Ids in a batch on its way to the engine: not to be withdrawn (the engine may store them anyway). */
  private readonly inFlight = new Set<string>();
  private readonly listeners = new Set<() => void>();
  state: SyncState = { sending: false };

  constructor(db: OutboxDb, options: OutboxOptions = {}) {
    this.db = db;
    this.batch = options.batch ?? 100;
    this.backoff = options.backoffMs ?? DEFAULT_BACKOFF;
    this.keepSyncedMs = options.keepSyncedMs ?? 7 * 24 * 3600_000;
    this.now = options.now ?? Date.now;
  }

  /** Called on every change of the records or of the sync state. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  private setState(next: SyncState): void {
    this.state = next;
    this.changed();
  }

  /**
   * Where batches go (null: nowhere now, e.g. disconnected), and where held decisions go (absent:
   * they wait). Connecting starts a sync.
   */
  connect(submit: SubmitBatch | null, sendHeld?: SendHeld): void {
    this.submit = submit ?? undefined;
    this.sendHeld = submit ? sendHeld : undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (submit) {
      this.failures = 0;
      void this.sync();
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.listeners.clear();
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
      const id = existing?.status === 'draft' ? existing.id : crypto.randomUUID();
      const correction: CorrectionInput = {
        ...withoutId(draft),
        id,
        createdAt: existing?.status === 'draft' ? existing.correction.createdAt : now,
        updatedAt: now,
      };
      const next: OutboxRecord = {
        id,
        fileId: draft.fileId,
        status: 'draft',
        correction,
        queuedAt: now,
        attempts: 0,
      };
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
      const reuse = existing?.status === 'draft';
      const id = reuse ? existing.id : crypto.randomUUID();
      const correction: CorrectionInput = {
        ...withoutId(input),
        id,
        createdAt: reuse ? existing.correction.createdAt : now,
        updatedAt: now,
      };
      // One draft per item and reviewer: committing ends it.
      const drafts = await this.db.records.where('[fileId+status]').equals([input.fileId, 'draft']).toArray();
      await this.db.records.bulkDelete(
        drafts.filter((d) => d.correction.reviewer === input.reviewer && d.id !== id).map((d) => d.id),
      );
      const next: OutboxRecord = {
        id,
        fileId: input.fileId,
        status: 'pending',
        correction,
        queuedAt: now,
        attempts: 0,
      };
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
    if (this.inFlight.has(id)) return false;
    const removed = await this.db.transaction('rw', this.db.records, async () => {
      const record = await this.db.records.get(id);
      if (!record || (record.status !== 'pending' && record.status !== 'refused')) return false;
      if (this.inFlight.has(id)) return false;
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
    const record = await saveHeld(this.db, this.db.held, input, this.inFlight, this.now());
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
    if (this.inFlight.has(id)) return false;
    const removed = await this.db.transaction('rw', this.db.held, async () => {
      const record = await this.db.held.get(id);
      if (record?.status !== 'pending' || this.inFlight.has(id)) return false;
      await this.db.held.delete(id);
      return true;
    });
    if (removed) this.changed();
    return removed;
  }

  async counts(): Promise<OutboxCounts> {
    const heldCount = (status: HeldRecord['status']) =>
      this.db.held.where('[status+queuedAt]').between([status, Dexie.minKey], [status, Dexie.maxKey]).count();
    const [heldUnsynced, heldConflicts] = await Promise.all([
      heldCount('pending'),
      this.db.held
        .where('[status+queuedAt]')
        .between(['overtaken', Dexie.minKey], ['overtaken', Dexie.maxKey])
        .filter((r) => r.answer?.status === 'overtaken' && !r.answer.agrees)
        .count(),
    ]);
    const [unsynced, refused, drafts] = await Promise.all([
      this.db.records
        .where('[status+queuedAt]')
        .between(['pending', Dexie.minKey], ['pending', Dexie.maxKey])
        .count(),
      this.db.records
        .where('[status+queuedAt]')
        .between(['refused', Dexie.minKey], ['refused', Dexie.maxKey])
        .count(),
      this.db.records
        .where('[status+queuedAt]')
        .between(['draft', Dexie.minKey], ['draft', Dexie.maxKey])
        .count(),
    ]);
    return { unsynced: unsynced + heldUnsynced, heldUnsynced, refused, drafts, heldConflicts };
  }

  /** Records in one state, oldest first. */
  list(status: OutboxStatus, limit = 1000): Promise<OutboxRecord[]> {
    return this.db.records
      .where('[status+queuedAt]')
      .between([status, Dexie.minKey], [status, Dexie.maxKey])
      .limit(limit)
      .toArray();
  }

  /** Sends what is pending, batch after batch, until nothing is left or the engine is out of reach. */
  sync(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again && !this.closed) {
        this.again = false;
        void this.sync();
      }
    });
    return this.running;
  }

  /** Resolves when nothing is pending (or the engine is out of reach and the outbox waits to retry). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const submit = this.submit;
      if (!submit || this.closed) return;
      const batch = await this.list('pending', this.batch);
      if (batch.length === 0) {
        if (await this.drainHeld()) await this.prune();
        return;
      }
      for (const record of batch) this.inFlight.add(record.id);
      this.setState({ ...this.state, sending: true });
      let outcomes: SubmitOutcome[];
      try {
        outcomes = await submit(batch.map((r) => r.correction));
      } catch (error) {
        for (const record of batch) this.inFlight.delete(record.id);
        const message = error instanceof Error ? error.message : String(error);
        await this.db.records.bulkUpdate(
          batch.map((r) => ({ key: r.id, changes: { attempts: r.attempts + 1, lastError: message } })),
        );
        this.retryLater(message);
        return;
      }
      const now = this.now();
      const byId = new Map(outcomes.map((o) => [o.id, o]));
      await this.db.transaction('rw', this.db.records, async () => {
        for (const record of batch) {
          const outcome = byId.get(record.id);
          if (!outcome) continue; // not answered: stays pending, sent again
          if (outcome.status === 'refused')
            await this.db.records.update(record.id, { status: 'refused', why: outcome.why });
          else
            await this.db.records.update(record.id, {
              status: 'synced',
              answer: outcome.status,
              syncedAt: now,
            });
        }
      });
      for (const record of batch) this.inFlight.delete(record.id);
      this.failures = 0;
      this.setState({ sending: false, lastSyncAt: now });
      // A batch the engine answered only in part would loop forever: stop and retry later.
      if (batch.some((r) => !byId.has(r.id))) return;
    }
  }

  /**
   * Sends the pending held decisions one by one, oldest first. Returns true when none is left (false:
   * the engine was out of reach, a retry is due, or nowhere to send them now).
   */
  private async drainHeld(): Promise<boolean> {
    for (;;) {
      const send = this.sendHeld;
      if (!send || this.closed) return !send;
      const [record] = await this.listHeld('pending', 1);
      if (!record) return true;
      this.inFlight.add(record.id);
      this.setState({ ...this.state, sending: true });
      try {
        const answer = await send(heldInput(record));
        const now = this.now();
        await this.db.held.update(record.id, { status: statusOf(answer), answer, syncedAt: now });
        this.failures = 0;
        this.setState({ sending: false, lastSyncAt: now });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await this.db.held.update(record.id, { attempts: record.attempts + 1, lastError: message });
        this.retryLater(message);
        return false;
      } finally {
        this.inFlight.delete(record.id);
      }
    }
  }

  /** After a failed send: try again after the next backoff wait. */
  private retryLater(message: string): void {
    const wait = this.backoff[Math.min(this.failures, this.backoff.length - 1)] ?? 30_000;
    this.failures += 1;
    this.setState({ sending: false, lastError: message, retryAt: this.now() + wait, ...this.lastSync() });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.sync(), wait);
  }

  private lastSync(): Pick<SyncState, 'lastSyncAt'> {
    return this.state.lastSyncAt === undefined ? {} : { lastSyncAt: this.state.lastSyncAt };
  }

  /** Drops synced history older than keepSyncedMs. */
  private async prune(): Promise<void> {
    const before = this.now() - this.keepSyncedMs;
    await this.db.records
      .where('[status+queuedAt]')
      .between(['synced', Dexie.minKey], ['synced', before])
      .delete();
    await this.db.held.where('[status+queuedAt]').between(['done', Dexie.minKey], ['done', before]).delete();
  }
}

function withoutId<T extends { id?: string }>(input: T): Omit<T, 'id'> {
  const { id: _id, ...rest } = input;
  return rest;
}
