import type { RuleAction } from './status.ts';

/** Why a rule did or did not match, in words a field operator understands. */
export interface RuleTrace {
  rule: string;
  matched: boolean;
  because: string;
}

export interface Decision {
  action: RuleAction;
  /** Name of the rule that fired, or `(default)` when none matched. */
  rule: string;
  ruleIndex: number;
  /** One sentence: why this action was taken. */
  reason: string;
  priority: number;
  /** The key at the first destination (the file's key). */
  objectKey?: string;
  /**
   * Where an `upload` goes: each destination the rule's `to:` names (or the site's defaults) with
   * the key the file gets there. Absent in decisions made before destinations were many.
   */
  deliveries?: { destination: string; objectKey?: string }[];
  metadata: Record<string, string>;
  /** Every rule looked at, in order, up to and including the one that fired. */
  trace: RuleTrace[];
  decidedAt: number;
}
