import { EventEmitter } from 'node:events';
import type { ResolvedFolder } from '../config/types.ts';
import { formatDuration } from '../config/units.ts';
import type { CaptureQueue } from '../queue/queue.ts';
import type { FileRecord } from '../queue/types.ts';
import { type CaptureGate, DiskGuard, type GuardReport, type StatfsReader } from './disk-guard.ts';
import { errorText } from './local-copy.ts';
import {
  archiveUploadedCopy,
  deleteArchivedCopy,
  deleteUploadedCopy,
  FileLocks,
  type Removal,
} from './removal.ts';
import { afterUploadsInForce, expiryGroups, policyFor, type RetentionPolicy } from './scopes.ts';
import { archiveDirIssue, type RetentionSettings } from './settings.ts';

export interface RetentionContext {
  folders: ResolvedFolder[];
  now?: () => number;
  /** Free-space reader for the disk guard; defaults to fs.promises.statfs. */
  statfs?: StatfsReader;
  /** Shared with the manager this one replaces (a live config change), so both never work on one file. */
  locks?: FileLocks;
}

export interface AfterUploadResult {
  fileId: number;
  /** `retained` (kept), a removal outcome, `not-uploaded` (nothing to do in its state) or `busy`. */
  outcome: 'retained' | Removal['outcome'] | 'not-uploaded' | 'busy';
  detail: string;
}

export interface SweepReport {
  at: number;
  /** `uploaded` files whose after-upload step had not run (a crash, a restart). */
  caughtUp: AfterUploadResult[];
  /** Kept or archived copies whose keepFor ran out, including any that could not be deleted. */
  expired: Removal[];
}

export interface RetentionStatus {
  running: boolean;
  afterUpload: RetentionSettings['afterUpload'];
  archiveDir: string;
  keepForMs?: number;
  lastSweep?: { at: number; caughtUp: number; expired: number };
  diskGuard: {
    enabled: boolean;
    whenFull: RetentionSettings['diskGuard']['whenFull'];
    maxBytes?: number;
    minFreeBytes?: number;
    capturePaused: boolean;
    dropNew: boolean;
    /** The last check, with how many files it removed rather than the whole list. */
    lastCheck?: Omit<GuardReport, 'removed'> & { removed: number };
  };
}

interface RetentionEvents {
  pause: [CaptureGate];
  resume: [CaptureGate];
  /** Something went wrong in a periodic pass (it is also in the queue log). */
  problem: [string];
}

/**
 * What happens to local copies once their upload is confirmed (keep, delete, archive), their
 * expiry (keepFor), and the disk guard. Only files in `uploaded`/`retained` are ever deleted,
 * except under the explicit opt-in whenFull "delete-oldest".
 */
export class RetentionManager extends EventEmitter<RetentionEvents> {
  private readonly queue: CaptureQueue;
  private readonly settings: RetentionSettings;
  private readonly now: () => number;
  private readonly locks: FileLocks;
  private readonly guard: DiskGuard;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private pass: Promise<void> | undefined;
  private lastSweep: SweepReport | undefined;

  constructor(queue: CaptureQueue, settings: RetentionSettings, ctx: RetentionContext) {
    super();
    const issue = archiveDirIssue(settings, ctx.folders);
    if (issue) throw new Error(`${issue.path}: ${issue.message} ${issue.hint}`);
    this.queue = queue;
    this.settings = settings;
    this.locks = ctx.locks ?? new FileLocks();
    this.now = ctx.now ?? Date.now;
    this.guard = new DiskGuard(queue, settings.diskGuard, this.locks, {
      folders: ctx.folders,
      archiveDir: settings.archiveDir,
      statfs: ctx.statfs,
      now: this.now,
    });
    this.guard.on('pause', (gate) => this.emit('pause', gate));
    this.guard.on('resume', (gate) => this.emit('resume', gate));
  }

  /** Called by the uploader once a file's upload is confirmed (state `uploaded`). */
  async afterUpload(fileId: number): Promise<AfterUploadResult> {
    const result = await this.locks.run(fileId, () => this.handleUploaded(fileId));
    return result ?? { fileId, outcome: 'busy', detail: 'Another retention step is working on this file' };
  }

  /**
   * Some afterUpload (the site's, a folder's or a rule's) deletes or archives local copies: the
   * commit recording `uploaded` must be durable first.
   */
  get removesLocalCopy(): boolean {
    return afterUploadsInForce(this.settings.afterUpload, this.settings.scoped).some((a) => a !== 'keep');
  }

  /** This file's retention: its rule's, else its folder's, else the site's (setting by setting). */
  policyOf(record: Pick<FileRecord, 'folderId' | 'rule' | 'decision'>): RetentionPolicy {
    return policyFor(
      this.settings,
      this.settings.scoped,
      record.folderId,
      record.rule ?? record.decision?.rule,
    );
  }

  /**
   * For the uploader, inside the transaction that records `record` as uploaded: with afterUpload
   * `keep` the file becomes `retained` in that same commit (one commit per upload instead of two).
   * Deleting and archiving touch the disk, so they wait for afterUpload() after the commit.
   * Returns the record as it now is.
   */
  afterUploadInTransaction(record: FileRecord): FileRecord {
    if (record.state !== 'uploaded' || this.locks.has(record.id)) return record;
    const policy = this.policyOf(record);
    if (policy.afterUpload !== 'keep') return record;
    return this.keep(record, policy).record;
  }

  private keep(
    record: FileRecord,
    policy: RetentionPolicy,
  ): { record: FileRecord; result: AfterUploadResult } {
    const keepFor = policy.keepForMs;
    const expiry = keepFor === undefined ? '' : `; deleted ${formatDuration(keepFor)} after upload (keepFor)`;
    const until = keepFor === undefined ? '' : ` until ${new Date(this.now() + keepFor).toISOString()}`;
    const detail = `Uploaded; kept the local copy ${record.absPath} (retention: keep${expiry})`;
    const reason = `Uploaded; local copy kept${until}`;
    if (!this.queue.moveIf(record.id, ['uploaded'], 'retained', { reason }, detail)) {
      const result = {
        fileId: record.id,
        outcome: 'not-uploaded' as const,
        detail: `File ${record.id} is no longer uploaded; nothing to do`,
      };
      return { record, result };
    }
    const kept: FileRecord = { ...record, state: 'retained', reason, stateChangedAt: this.now() };
    return { record: kept, result: { fileId: record.id, outcome: 'retained', detail } };
  }

  private async handleUploaded(fileId: number): Promise<AfterUploadResult> {
    const record = this.queue.get(fileId);
    if (record?.state !== 'uploaded') {
      const where = record ? `is ${record.state}` : 'is not in the queue';
      return {
        fileId,
        outcome: 'not-uploaded',
        detail: `File ${fileId} ${where}; nothing to do after upload`,
      };
    }
    const policy = this.policyOf(record);
    if (policy.afterUpload === 'keep') return this.keep(record, policy).result;
    const keepFor = policy.keepForMs;
    const expiry = keepFor === undefined ? '' : `; deleted ${formatDuration(keepFor)} after upload (keepFor)`;
    const removal =
      policy.afterUpload === 'delete'
        ? await deleteUploadedCopy(this.queue, fileId, 'retention afterUpload is "delete"')
        : await archiveUploadedCopy(
            this.queue,
            fileId,
            this.settings.archiveDir,
            `retention afterUpload is "archive"${expiry}`,
          );
    if (!removal)
      return {
        fileId,
        outcome: 'not-uploaded',
        detail: `File ${fileId} is no longer uploaded; nothing to do`,
      };
    return { fileId, outcome: removal.outcome, detail: removal.detail };
  }

  /** One pass: late after-upload steps, then keepFor expiry of kept and archived copies. */
  sweep(): Promise<SweepReport> {
    return this.exclusive(async () => {
      const at = this.now();
      const caughtUp: AfterUploadResult[] = [];
      for (const id of this.queue.idsInState('uploaded')) {
        const result = await this.afterUpload(id);
        if (result.outcome !== 'busy' && result.outcome !== 'not-uploaded') caughtUp.push(result);
      }
      const expired: Removal[] = [];
      const kinds = [
        { where: "state = 'retained'", remove: deleteUploadedCopy },
        { where: "state = 'removed' AND archived_path IS NOT NULL", remove: deleteArchivedCopy },
      ];
      // One pass per keepFor in force (site, folders, rules), each asking only for its own files.
      for (const group of expiryGroups(this.settings, this.settings.scoped)) {
        const of = group.source === 'site' ? '' : ` of ${group.source}`;
        const why = `kept for ${formatDuration(group.keepForMs)} after upload (keepFor${of})`;
        for (const kind of kinds) {
          const where = `${kind.where} AND ${group.where}`;
          for (const id of this.changedBefore(where, group.params, at - group.keepForMs)) {
            const removal = await this.locks.run(id, () => kind.remove(this.queue, id, why));
            if (removal) expired.push(removal);
          }
        }
      }
      this.lastSweep = { at, caughtUp, expired };
      return this.lastSweep;
    });
  }

  /** Ids whose state changed before cutoff, oldest first, read page by page so each is seen once. */
  private *changedBefore(where: string, params: string[], cutoff: number): Generator<number> {
    let changedAt = Number.MIN_SAFE_INTEGER;
    let id = 0;
    for (;;) {
      const rows = this.queue.select(
        `SELECT id, state_changed_at FROM files WHERE ${where} AND state_changed_at < ?
         AND (state_changed_at > ? OR (state_changed_at = ? AND id > ?)) ORDER BY state_changed_at, id LIMIT 200`,
        ...params,
        cutoff,
        changedAt,
        changedAt,
        id,
      );
      for (const row of rows) {
        changedAt = Number(row.state_changed_at);
        id = Number(row.id);
        yield id;
      }
      if (rows.length < 200) return;
    }
  }

  /** Runs the disk guard now (the engine may call this when many files arrive between timer ticks). */
  checkDisk(): Promise<GuardReport> {
    return this.exclusive(() => this.guard.check());
  }

  /** whenFull "drop-newest" while the disk is full: the engine should not queue new files. */
  shouldDropNew(): boolean {
    return this.guard.shouldDropNew();
  }

  get capturePaused(): boolean {
    return this.guard.capturePaused;
  }

  /** The per-file locks, for a manager that replaces this one. */
  get fileLocks(): FileLocks {
    return this.locks;
  }

  /** Sweeps and checks the disk now, then every diskGuard.checkInterval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops the timer and waits for a pass in progress to finish. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.pass = this.runPass().finally(() => {
        if (this.running) this.schedule(this.settings.diskGuard.checkIntervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async runPass(): Promise<void> {
    for (const [what, step] of [
      ['sweep', () => this.sweep()],
      ['disk check', () => this.checkDisk()],
    ] as const) {
      if (!this.running) return;
      try {
        await step();
      } catch (error) {
        const message = `Retention ${what} failed: ${errorText(error)}`;
        this.queue.note('retention-problem', message);
        this.emit('problem', message);
      }
    }
  }

  status(): RetentionStatus {
    const guard = this.settings.diskGuard;
    const sweep = this.lastSweep;
    const check = this.guard.lastReport;
    return {
      running: this.running,
      afterUpload: this.settings.afterUpload,
      archiveDir: this.settings.archiveDir,
      keepForMs: this.settings.keepForMs,
      lastSweep: sweep && { at: sweep.at, caughtUp: sweep.caughtUp.length, expired: sweep.expired.length },
      diskGuard: {
        enabled: guard.enabled,
        whenFull: guard.whenFull,
        maxBytes: guard.maxBytes,
        minFreeBytes: guard.minFreeBytes,
        capturePaused: this.guard.capturePaused,
        dropNew: this.guard.shouldDropNew(),
        lastCheck: check && { ...check, removed: check.removed.length },
      },
    };
  }

  /** Sweeps and disk checks never overlap: both delete files and read the totals they change. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
