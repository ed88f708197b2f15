import { MAX_HELD_BATCH } from '../../../shared/contract/index.ts';
import { type HeldAnswer, heldInput, listHeld, type SendHeld, statusOf } from './held-outbox.ts';
import { type CorrectionInput, inStatus, type OutboxDb, type SubmitOutcome } from './outbox-db.ts';

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

/**
 * The outbox's sending loop: committed corrections go to the engine in batches, then held decisions
 * one by one, whenever it answers; after a failed send it waits (backoff) and tries again. The engine
 * is idempotent by id, so a record sent twice (an answer lost on the way back) is stored once.
 */
export class OutboxSync {
  private readonly db: OutboxDb;
  private readonly batch: number;
  private readonly backoff: readonly number[];
  private readonly keepSyncedMs: number;
  private readonly now: () => number;
  /** Tells the outbox's listeners that the sync state changed. */
  private readonly changed: () => void;
  private submit: SubmitBatch | undefined;
  private sendHeld: SendHeld | undefined;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  /** Ids in a batch on its way to the engine: not to be withdrawn (the engine may store them anyway). */
  readonly inFlight = new Set<string>();
  state: SyncState = { sending: false };

  constructor(db: OutboxDb, options: OutboxOptions, changed: () => void) {
    this.db = db;
    this.batch = options.batch ?? 100;
    this.backoff = options.backoffMs ?? DEFAULT_BACKOFF;
    this.keepSyncedMs = options.keepSyncedMs ?? 7 * 24 * 3600_000;
    this.now = options.now ?? Date.now;
    this.changed = changed;
  }

  /** Where batches and held decisions go (see Outbox.connect). Connecting starts a sync. */
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

  private setState(next: SyncState): void {
    this.state = next;
    this.changed();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const submit = this.submit;
      if (!submit || this.closed) return;
      const batch = await inStatus(this.db.records, 'pending').limit(this.batch).toArray();
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
   * Sends the pending held decisions, oldest first, a batch per request (one round trip per batch on
   * a slow site link). Returns true when none is left (false: the engine was out of reach, a retry is
   * due, or nowhere to send them now).
   */
  private async drainHeld(): Promise<boolean> {
    for (;;) {
      const send = this.sendHeld;
      if (!send || this.closed) return !send;
      const batch = await listHeld(this.db.held, 'pending', MAX_HELD_BATCH);
      if (batch.length === 0) return true;
      for (const record of batch) this.inFlight.add(record.id);
      this.setState({ ...this.state, sending: true });
      try {
        const answers = await send(batch.map(heldInput));
        if (answers.length !== batch.length)
          throw new Error(`the engine answered ${answers.length} of ${batch.length} held decisions`);
        const now = this.now();
        await this.db.transaction('rw', this.db.held, async () => {
          for (const [at, record] of batch.entries()) {
            const answer = answers[at] as HeldAnswer;
            await this.db.held.update(record.id, { status: statusOf(answer), answer, syncedAt: now });
          }
        });
        this.failures = 0;
        this.setState({ sending: false, lastSyncAt: now });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await this.db.transaction('rw', this.db.held, async () => {
          for (const record of batch)
            await this.db.held.update(record.id, { attempts: record.attempts + 1, lastError: message });
        });
        this.retryLater(message);
        return false;
      } finally {
        for (const record of batch) this.inFlight.delete(record.id);
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
    await inStatus(this.db.records, 'synced', before).delete();
    await inStatus(this.db.held, 'done', before).delete();
  }
}
