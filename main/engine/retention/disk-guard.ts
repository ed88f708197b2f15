import { EventEmitter } from 'node:events';
import { statfs as realStatfs, stat } from 'node:fs/promises';
import type { FileState } from '../../../shared/status.ts';
import type { ResolvedFolder } from '../config/types.ts';
import { formatBytes } from '../config/units.ts';
import type { CaptureQueue } from '../queue/queue.ts';
import { errorText } from './local-copy.ts';
import {
  deleteArchivedCopy,
  deleteUnuploadedFile,
  deleteUploadedCopy,
  type FileLocks,
  type Removal,
  UNUPLOADED_DELETABLE,
} from './removal.ts';
import type { DiskGuardSettings } from './settings.ts';

/** The part of fs.statfs the guard reads; fs.promises.statfs itself fits. */
export interface StatfsLike {
  bavail: number | bigint;
  bsize: number | bigint;
}
export type StatfsReader = (path: string) => Promise<StatfsLike>;

export interface DiskGuardContext {
  folders: readonly ResolvedFolder[];
  archiveDir: string;
  /** Reads free space; defaults to fs.promises.statfs. */
  statfs?: StatfsReader;
  now?: () => number;
}

/** Told to the engine when capture pauses or resumes. */
export interface CaptureGate {
  capturePaused: boolean;
  /** In operator words, e.g. "Capture paused: the disk holding /data has 1.2 GiB free, below …". */
  reason: string;
}

export interface DiskSpace {
  /** A capture folder on this filesystem (the first one configured). */
  path: string;
  folderIds: string[];
  freeBytes?: number;
}

export interface GuardReport {
  at: number;
  enabled: boolean;
  /** Bytes of files the queue still has in the capture folders (after this check's deletions). */
  usedBytes: number;
  disks: DiskSpace[];
  /** Every file this check deleted, archived away, or tried to. */
  removed: Removal[];
  /** Still over a limit after everything the whenFull policy allows. */
  full: boolean;
  capturePaused: boolean;
  dropNew: boolean;
  /** Why the disk counts as full (or why capture resumed), in operator words. */
  reason?: string;
  /** Folders whose free space could not be read, and similar. */
  problems: string[];
}

interface Disk extends DiskSpace {
  dev: number;
}

/** The numbers a check works with, updated as it deletes files. */
interface Measured {
  /** Bytes of files the queue still has in the capture folders. */
  used: number;
  disks: Disk[];
  /** The capture disk the archive folder is on, if any. */
  archiveDisk: Disk | undefined;
}

interface Tier {
  where: string;
  params: (string | number)[];
  /** The files sit in capture folders (they count toward maxBytes). */
  inCaptureFolders: boolean;
  /** Never uploaded: deleting them loses data (whenFull "delete-oldest" only). */
  unuploaded: boolean;
  remove: (queue: CaptureQueue, id: number, why: string) => Promise<Removal | undefined>;
}

const NOT_ON_DISK: readonly FileState[] = ['removed', 'vanished'];
const PAGE = 200;

/**
 * Keeps the capture disk from filling: deletes the oldest already-uploaded copies first (archived,
 * then retained, then uploaded), and only then applies whenFull: pause capture, drop new files, or
 * (explicit opt-in) delete files that were never uploaded.
 */
export class DiskGuard extends EventEmitter<{ pause: [CaptureGate]; resume: [CaptureGate] }> {
  private readonly queue: CaptureQueue;
  private readonly settings: DiskGuardSettings;
  private readonly locks: FileLocks;
  private readonly ctx: DiskGuardContext;
  private readonly readStatfs: StatfsReader;
  private readonly now: () => number;
  private paused = false;
  private dropping = false;
  private last: GuardReport | undefined;

  constructor(queue: CaptureQueue, settings: DiskGuardSettings, locks: FileLocks, ctx: DiskGuardContext) {
    super();
    this.queue = queue;
    this.settings = settings;
    this.locks = locks;
    this.ctx = ctx;
    this.readStatfs = ctx.statfs ?? ((p) => realStatfs(p));
    this.now = ctx.now ?? Date.now;
  }

  get capturePaused(): boolean {
    return this.paused;
  }

  /** whenFull "drop-newest" and the disk is full: newly discovered files should not be queued. */
  shouldDropNew(): boolean {
    return this.dropping;
  }

  get lastReport(): GuardReport | undefined {
    return this.last;
  }

  /** One check: measure, free space if needed, and pause/drop/resume. Always finishes. */
  async check(): Promise<GuardReport> {
    const at = this.now();
    const folderIds = this.ctx.folders.map((f) => f.id);
    if (!this.settings.enabled) {
      return this.finish({
        at,
        enabled: false,
        usedBytes: 0,
        disks: [],
        removed: [],
        full: false,
        capturePaused: false,
        dropNew: false,
        problems: [],
      });
    }
    const problems: string[] = [];
    const disks = await this.readDisks(problems);
    const state: Measured = {
      used: this.usedBytes(folderIds),
      disks,
      archiveDisk: await this.archiveDisk(disks),
    };
    const removed: Removal[] = [];
    if (this.isFull(state)) await this.freeSpace(state, this.tiers(folderIds), removed, problems);
    if (removed.length > 0) this.queue.note('disk-guard', summarize(removed));
    // Logged when they change, not on every check: an unmounted folder would otherwise fill the log.
    const problemText = problems.join('; ');
    if (problemText && problemText !== this.last?.problems.join('; '))
      this.queue.note('disk-guard-problem', problemText);
    const full = this.isFull(state);
    const reason = this.settle(full, state.used, disks);
    const report: GuardReport = {
      at,
      enabled: true,
      usedBytes: state.used,
      disks: disks.map(({ path, folderIds: ids, freeBytes }) => ({ path, folderIds: ids, freeBytes })),
      removed,
      full,
      capturePaused: this.paused,
      dropNew: this.dropping,
      reason,
      problems,
    };
    return this.finish(report);
  }

  private finish(report: GuardReport): GuardReport {
    this.last = report;
    return report;
  }

  private isShort(disk: Disk | undefined): boolean {
    const min = this.settings.minFreeBytes;
    return min !== undefined && disk?.freeBytes !== undefined && disk.freeBytes < min;
  }

  private isOverBytes(state: Measured): boolean {
    return this.settings.maxBytes !== undefined && state.used > this.settings.maxBytes;
  }

  private isFull(state: Measured): boolean {
    return this.isOverBytes(state) || state.disks.some((disk) => this.isShort(disk));
  }

  /** Oldest already-uploaded copies first; files never uploaded only under "delete-oldest". */
  private tiers(folderIds: string[]): Tier[] {
    const inFolders = `folder_id IN (${folderIds.map(() => '?').join(', ')})`;
    const captured = (where: string, remove: Tier['remove'], unuploaded = false): Tier => ({
      where: `${where} AND ${inFolders}`,
      params: folderIds,
      inCaptureFolders: true,
      unuploaded,
      remove,
    });
    const tiers: Tier[] = [
      {
        where: "state = 'removed' AND archived_path IS NOT NULL",
        params: [],
        inCaptureFolders: false,
        unuploaded: false,
        remove: deleteArchivedCopy,
      },
      captured("state = 'retained'", deleteUploadedCopy),
      captured("state = 'uploaded'", deleteUploadedCopy),
    ];
    if (this.settings.whenFull === 'delete-oldest') {
      const states = UNUPLOADED_DELETABLE.map((s) => `'${s}'`).join(', ');
      tiers.push(captured(`state IN (${states})`, deleteUnuploadedFile, true));
    }
    return tiers;
  }

  /** Deletes tier by tier, oldest first, until the limits hold again or the tiers run out. */
  private async freeSpace(
    state: Measured,
    tiers: Tier[],
    removed: Removal[],
    problems: string[],
  ): Promise<void> {
    const condition = this.describe(state.used, state.disks);
    for (const tier of tiers) {
      if (!this.isFull(state)) return;
      const why = tier.unuploaded
        ? `whenFull is "delete-oldest" and ${condition}, with no uploaded file left that could be deleted`
        : `the disk guard needed space (${condition})`;
      for (const row of this.oldestFirst(tier)) {
        if (!this.isFull(state)) return;
        const id = Number(row.id);
        const disk = tier.inCaptureFolders
          ? state.disks.find((d) => d.folderIds.includes(String(row.folder_id)))
          : state.archiveDisk;
        const helps = (tier.inCaptureFolders && this.isOverBytes(state)) || this.isShort(disk);
        if (!helps) continue;
        const result = await this.locks.run(id, () => tier.remove(this.queue, id, why));
        if (!result) continue;
        removed.push(result);
        const after = this.queue.get(id);
        if (tier.inCaptureFolders && after && NOT_ON_DISK.includes(after.state))
          state.used -= Number(row.size);
        if (disk && result.freedBytes > 0) disk.freeBytes = await this.readFree(disk.path, problems);
      }
    }
  }

  /** Applies whenFull (or lifts it) and returns the reason in operator words. */
  private settle(full: boolean, used: number, disks: Disk[]): string | undefined {
    const condition = this.describe(used, disks);
    if (full) {
      const policy = this.settings.whenFull;
      const nothingLeft = 'and no uploaded file is left that could be deleted';
      if (policy === 'pause') {
        const reason = `Capture paused: ${condition}, ${nothingLeft}`;
        if (!this.paused) {
          this.paused = true;
          this.queue.note('capture-paused', reason);
          this.emit('pause', { capturePaused: true, reason });
        }
        return reason;
      }
      if (policy === 'drop-newest') {
        const reason = `Disk full, new files are not being taken in: ${condition}, ${nothingLeft}`;
        if (!this.dropping) this.queue.note('dropping-new', reason);
        this.dropping = true;
        return reason;
      }
      return `Disk still full: ${condition}, even after deleting every file not being inspected or uploaded`;
    }
    const fine = `Disk space is back within limits: ${this.describe(used, disks, true)}`;
    if (this.paused) {
      this.paused = false;
      const reason = `Capture resumed. ${fine}`;
      this.queue.note('capture-resumed', reason);
      this.emit('resume', { capturePaused: false, reason });
      return reason;
    }
    if (this.dropping) {
      this.dropping = false;
      this.queue.note('dropping-stopped', `New files are taken in again. ${fine}`);
    }
    return undefined;
  }

  /** "the disk holding /data has 1.2 GiB free, below the 5 GiB minimum (minFreeBytes)" and/or the byte limit. */
  private describe(used: number, disks: Disk[], all = false): string {
    const { maxBytes, minFreeBytes } = this.settings;
    const parts: string[] = [];
    if (maxBytes !== undefined && (all || used > maxBytes)) {
      parts.push(
        `the capture folders hold ${formatBytes(used)}, ${used > maxBytes ? 'over' : 'within'} the ${formatBytes(maxBytes)} limit (maxBytes)`,
      );
    }
    for (const disk of disks) {
      if (minFreeBytes === undefined || disk.freeBytes === undefined) continue;
      const below = disk.freeBytes < minFreeBytes;
      if (!all && !below) continue;
      parts.push(
        `the disk holding ${disk.path} has ${formatBytes(disk.freeBytes)} free, ${below ? 'below' : 'above'} the ${formatBytes(minFreeBytes)} minimum (minFreeBytes)`,
      );
    }
    return parts.join('; ');
  }

  /** Capture folders grouped by filesystem, with free space read once per filesystem. */
  private async readDisks(problems: string[]): Promise<Disk[]> {
    const disks: Disk[] = [];
    for (const folder of this.ctx.folders) {
      let dev: number;
      try {
        dev = (await stat(folder.path)).dev;
      } catch (error) {
        problems.push(`Cannot check free space for capture folder ${folder.path}: ${errorText(error)}`);
        continue;
      }
      const known = disks.find((d) => d.dev === dev);
      if (known) known.folderIds.push(folder.id);
      else disks.push({ dev, path: folder.path, folderIds: [folder.id] });
    }
    if (this.settings.minFreeBytes !== undefined) {
      for (const disk of disks) disk.freeBytes = await this.readFree(disk.path, problems);
    }
    return disks;
  }

  /** Archived copies only help when the archive shares a filesystem with a capture folder. */
  private async archiveDisk(disks: Disk[]): Promise<Disk | undefined> {
    try {
      const dev = (await stat(this.ctx.archiveDir)).dev;
      return disks.find((d) => d.dev === dev);
    } catch {
      return undefined; // No archive yet: nothing archived to delete.
    }
  }

  private async readFree(path: string, problems: string[]): Promise<number | undefined> {
    try {
      const info = await this.readStatfs(path);
      return Number(info.bavail) * Number(info.bsize);
    } catch (error) {
      problems.push(`Cannot read free space on the disk holding ${path}: ${errorText(error)}`);
      return undefined;
    }
  }

  private usedBytes(folderIds: string[]): number {
    if (folderIds.length === 0) return 0;
    const rows = this.queue.select(
      `SELECT coalesce(sum(size), 0) AS n FROM files
       WHERE state NOT IN ('removed', 'vanished') AND folder_id IN (${folderIds.map(() => '?').join(', ')})`,
      ...folderIds,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Candidates oldest capture first, page by page; the keyset cursor guarantees each row is seen once. */
  private *oldestFirst(tier: Tier): Generator<Record<string, unknown>> {
    let mtime = Number.MIN_SAFE_INTEGER;
    let id = 0;
    for (;;) {
      const rows = this.queue.select(
        `SELECT id, folder_id, size, mtime_ms FROM files WHERE ${tier.where}
         AND (mtime_ms > ? OR (mtime_ms = ? AND id > ?)) ORDER BY mtime_ms, id LIMIT ${PAGE}`,
        ...tier.params,
        mtime,
        mtime,
        id,
      );
      for (const row of rows) {
        mtime = Number(row.mtime_ms);
        id = Number(row.id);
        yield row;
      }
      if (rows.length < PAGE) return;
    }
  }
}

function summarize(removed: Removal[]): string {
  const count = (outcome: Removal['outcome'], unuploaded: boolean) =>
    removed.filter((r) => r.outcome === outcome && UNUPLOADED_DELETABLE.includes(r.from) === unuploaded);
  const freed = removed.reduce((sum, r) => sum + r.freedBytes, 0);
  const parts = [
    `deleted ${count('deleted', false).length} uploaded or archived copies`,
    `${count('deleted', true).length} files that were NOT uploaded`,
    `${removed.filter((r) => r.outcome === 'gone').length} were already gone`,
    `${removed.filter((r) => r.outcome === 'changed' || r.outcome === 'failed').length} left in place`,
  ];
  return `Disk guard ${parts.join(', ')}; freed ${formatBytes(freed)}`;
}
