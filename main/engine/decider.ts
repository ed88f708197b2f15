import { unlink } from 'node:fs/promises';
import type { Decision } from '../../shared/decision.ts';
import type { Inspection } from '../../shared/inspection.ts';
import type { FileState, RuleAction } from '../../shared/status.ts';
import type { ResolvedConfig } from './config/types.ts';
import type { CaptureQueue } from './queue/queue.ts';
import type { FilePatch, FileRecord } from './queue/types.ts';
import type { CompiledRules } from './rules/index.ts';

/** What the rules decided for one file, before it is stored. */
export interface Verdict {
  decision: Decision;
  to: FileState;
  extra?: FilePatch;
  /** When it was decided (the rules' clock). */
  at: number;
  /** Dropped by the disk guard: the local copy is deleted once the decision is committed. */
  dropped?: boolean;
  /** The rule has a rate cap: this hit is counted. */
  counted?: boolean;
}

/** What deciding needs to know of a file besides its inspection. */
export type FileFacts = Pick<FileRecord, 'id' | 'folderId' | 'relPath' | 'absPath'>;

export const STATE_FOR_ACTION: Record<RuleAction, FileState> = {
  upload: 'queued',
  skip: 'skipped',
  quarantine: 'quarantined',
  hold: 'held',
};

/**
 * Applies the site's rules, the duplicate policy and the disk guard's drop-newest to one inspected
 * file, and stores the decision. Runs inside the caller's transaction.
 */
export class Decider {
  private config: ResolvedConfig;
  private readonly queue: CaptureQueue;
  private rules: CompiledRules;
  private readonly now: () => number;
  private dropNew: () => boolean = () => false;
  /** Local copies dropped by the disk guard: deleted by deleteDropped() once the decisions are committed. */
  private readonly toDelete: string[] = [];
  lastDecisionAt = 0;
  decidedCount = 0;

  constructor(config: ResolvedConfig, queue: CaptureQueue, rules: CompiledRules, now: () => number) {
    this.config = config;
    this.queue = queue;
    this.rules = rules;
    this.now = now;
  }

  /** A live config change: the duplicate policy and folder devices for files decided from now on. */
  setConfig(config: ResolvedConfig): void {
    this.config = config;
  }

  /** New rules for the files decided from now on (an operator's live edit); decided files keep theirs. */
  setRules(rules: CompiledRules): void {
    this.rules = rules;
  }

  /** While this returns true (disk guard, policy drop-newest) new captures are dropped, not queued. */
  setDropNew(check: () => boolean): void {
    this.dropNew = check;
  }

  /** Decides one file and stores the decision (the file must be inspected already). */
  decide(record: FileRecord, inspection: Inspection): void {
    const verdict = this.verdict(record, inspection);
    this.queue.saveDecision(record.id, verdict.decision, verdict.to, verdict.extra);
    this.decided(verdict, record);
  }

  /**
   * What the rules, the duplicate policy and the disk guard say about one file, without storing it:
   * the pipeline stores it together with the inspection (queue.storeInspected). Reads the queue
   * (duplicates, rate caps) inside the caller's transaction; call decided() once it is stored.
   */
  verdict(record: FileFacts, inspection: Inspection): Verdict {
    const now = this.now();
    const decision = this.rules.decide(
      {
        folderId: record.folderId,
        relPath: record.relPath,
        absPath: record.absPath,
        device: this.deviceFor(record.folderId),
        inspection,
      },
      { now: new Date(now), rates: { count: (rule, since) => this.queue.ruleHitsSince(rule, since) } },
    );
    if (decision.action === 'upload' && this.dropNew()) {
      const reason = 'Dropped: the capture disk is full and the disk guard policy is drop-newest';
      return { decision: { ...decision, reason }, to: 'skipped', at: now, dropped: true };
    }
    const duplicate =
      decision.action === 'upload' && this.config.duplicatePolicy !== 'upload'
        ? this.queue.findDuplicate(inspection.sha256, record.id)
        : undefined;
    if (duplicate) {
      const to: FileState = this.config.duplicatePolicy === 'hold' ? 'held' : 'skipped';
      const reason = `Same content as ${duplicate.relPath} (${duplicate.state}); not uploaded twice`;
      return { decision: { ...decision, reason }, to, extra: { duplicateOf: duplicate.id }, at: now };
    }
    return {
      decision,
      to: STATE_FOR_ACTION[decision.action],
      at: now,
      counted: this.ruleHasRateCap(decision),
    };
  }

  /** The verdict is stored (in the caller's transaction): rate counters, drops, statistics. */
  decided(verdict: Verdict, record: Pick<FileFacts, 'absPath'>): void {
    if (verdict.dropped) this.toDelete.push(record.absPath);
    if (verdict.counted) this.queue.recordRuleHit(verdict.decision.rule, verdict.at);
    this.lastDecisionAt = verdict.at;
    this.decidedCount++;
  }

  /** Call after the commit that decided to drop: the queue says so before the file goes. */
  deleteDropped(): void {
    for (const path of this.toDelete.splice(0)) void unlink(path).catch(() => undefined);
  }

  private ruleHasRateCap(decision: Decision): boolean {
    const rule = this.rules.rules[decision.ruleIndex];
    return Boolean(rule?.rate);
  }

  private deviceFor(folderId: string): string {
    return this.config.folders.find((folder) => folder.id === folderId)?.device ?? this.config.device;
  }
}
