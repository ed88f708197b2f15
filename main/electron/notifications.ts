import type { DestinationLink, QueueChangeMessage } from '../../shared/contract/index.ts';

export interface DesktopNotice {
  kind: 'quarantined' | 'offline' | 'online' | 'engine-restarted';
  title: string;
  body: string;
}

export interface NoticePolicyOptions {
  /** At most one quarantine notice per this long; files in between are summed up (default 60 s). */
  quarantineEveryMs?: number;
  /** An offline spell this long is worth a notice (default 15 min); one notice per spell. */
  offlineAfterMs?: number;
}

/**
 * Which engine news become desktop notifications, and how often. Pure: fed events and the time,
 * asked what to show on each tick. Quarantined files are summed per minute; a long offline spell is
 * said once, and its end only if its start was said.
 */
export class NoticePolicy {
  private readonly quarantineEveryMs: number;
  private readonly offlineAfterMs: number;
  private quarantined: string[] = [];
  private lastQuarantineNoticeAt = Number.NEGATIVE_INFINITY;
  private readonly offline = new Map<string, { since: number; told: boolean }>();
  private readonly queued: DesktopNotice[] = [];

  constructor(options: NoticePolicyOptions = {}) {
    this.quarantineEveryMs = options.quarantineEveryMs ?? 60_000;
    this.offlineAfterMs = options.offlineAfterMs ?? 15 * 60_000;
  }

  changes(changes: readonly QueueChangeMessage[]): void {
    for (const change of changes) {
      if (change.kind === 'state' && change.to === 'quarantined' && change.from !== 'quarantined') {
        this.quarantined.push(change.relPath ?? `file ${change.fileId}`);
      }
    }
  }

  connectivity(destinations: readonly DestinationLink[], now: number): void {
    for (const link of destinations) {
      const down = link.state === 'offline';
      const spell = this.offline.get(link.name);
      if (down && !spell) this.offline.set(link.name, { since: link.since ?? now, told: false });
      if (!down && spell) {
        this.offline.delete(link.name);
        if (spell.told) {
          this.queued.push({
            kind: 'online',
            title: 'Uploads resumed',
            body: `${link.name} answers again; the files kept meanwhile are being sent.`,
          });
        }
      }
    }
  }

  engineRestarted(message: string): void {
    this.queued.push({ kind: 'engine-restarted', title: 'Engine restarted', body: message });
  }

  /** The notices due now (call every few seconds). */
  tick(now: number): DesktopNotice[] {
    const due = this.queued.splice(0);
    if (this.quarantined.length > 0 && now - this.lastQuarantineNoticeAt >= this.quarantineEveryMs) {
      const [first, ...rest] = this.quarantined;
      this.quarantined = [];
      this.lastQuarantineNoticeAt = now;
      due.push({
        kind: 'quarantined',
        title: rest.length === 0 ? 'A file was quarantined' : `${rest.length + 1} files were quarantined`,
        body: `${first}${rest.length > 0 ? ` and ${rest.length} more` : ''}: set aside by the site rules and not uploaded. Review them in the Quarantined tab.`,
      });
    }
    for (const [name, spell] of this.offline) {
      if (spell.told || now - spell.since < this.offlineAfterMs) continue;
      spell.told = true;
      const minutes = Math.round((now - spell.since) / 60_000);
      due.push({
        kind: 'offline',
        title: 'Uploads paused: offline',
        body: `${name} has not answered for ${minutes} minutes. Files are kept on this machine and sent when it answers again.`,
      });
    }
    return due;
  }
}
