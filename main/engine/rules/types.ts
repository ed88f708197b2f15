import type { Decision } from '../../../shared/decision.ts';
import type { Inspection } from '../../../shared/inspection.ts';
import type { Rule } from '../../../shared/rules.ts';

/** Everything the rules may look at for one file. */
export interface FileFacts {
  folderId: string;
  /** Path relative to the capture folder, `/`-separated. */
  relPath: string;
  absPath: string;
  device: string;
  inspection: Inspection;
}

/** How many decisions a rule made since a time (epoch ms); backs the rate caps. */
export interface RateCounter {
  count(rule: string, sinceMs: number): number;
}

export interface DecideContext {
  now: Date;
  rates: RateCounter;
}

export interface CompiledRules {
  decide(facts: FileFacts, ctx: DecideContext): Decision;
  rules: readonly Rule[];
}

/**
 * One compiled predicate. `test` returns undefined when the predicate holds, otherwise the reason it
 * failed ("size 3.9 KiB is below min 4 KiB"). `describe` is only called for the rule that fired, to
 * build the decision's reason, so passing predicates cost no string building.
 */
export interface Check {
  test(facts: FileFacts, now: number): string | undefined;
  describe(facts: FileFacts, now: number): string;
}
