import type { Decision, RuleTrace } from '../../../shared/decision.ts';
import type { RateCap, Rule } from '../../../shared/rules.ts';
import { RULE_ACTIONS, type RuleAction } from '../../../shared/status.ts';
import { IssueList } from '../config/errors.ts';
import type { ResolvedConfig } from '../config/types.ts';
import { DEFAULT_DESTINATION } from '../queue/delivery-types.ts';
import { compileWhen } from './compile-when.ts';
import {
  type CompiledTemplate,
  compileObjectKey,
  compileTemplate,
  TEMPLATE_PLACEHOLDERS,
  unknownPlaceholders,
} from './template.ts';
import type { Check, CompiledRules, DecideContext, FileFacts } from './types.ts';

interface RateLimit {
  limit: number;
  windowMs: number;
  words: string;
}

interface CompiledRule {
  rule: Rule;
  index: number;
  checks: Check[];
  limits: RateLimit[];
  key?: CompiledTemplate;
  metadata: [string, CompiledTemplate][];
  priority: number;
}

const DEFAULT_RULE_NAME = '(default)';
const ACTION_WORDS: Record<RuleAction, string> = {
  // Said when the file is decided, long before it is uploaded.
  upload: 'To upload',
  skip: 'Skipped',
  quarantine: 'Quarantined',
  hold: 'Held for review',
};
const RATE_WINDOWS: [keyof RateCap, number, string][] = [
  ['perMinute', 60_000, 'minute'],
  ['perHour', 3_600_000, 'hour'],
  ['perDay', 86_400_000, 'day'],
];

/** Compiles the site rules once; throws ConfigError for problems only compilation finds. */
export function compileRules(cfg: ResolvedConfig): CompiledRules {
  const issues = new IssueList(cfg.source);
  const compiled = compileRulesInto(cfg, issues);
  issues.throwIfAny();
  return compiled;
}

/** Like compileRules, but adds problems to `issues` (with line numbers when loading a file). */
export function compileRulesInto(cfg: ResolvedConfig, issues: IssueList): CompiledRules {
  const folderIds = cfg.folders.map((folder) => folder.id);
  const seen = new Map<string, number>();
  const compiled: CompiledRule[] = [];
  cfg.rules.forEach((rule, index) => {
    const at = `/rules/${index}`;
    const earlier = seen.get(rule.name);
    if (earlier !== undefined) {
      issues.add(
        `${at}/name`,
        `rule name "${rule.name}" is already used by rule ${earlier}.`,
        'Give each rule a unique name: it appears in traces, logs and rate caps.',
      );
    } else if (rule.name === DEFAULT_RULE_NAME) {
      issues.add(
        `${at}/name`,
        `"${DEFAULT_RULE_NAME}" is reserved for the default action.`,
        'Choose another name.',
      );
    }
    seen.set(rule.name, seen.get(rule.name) ?? index);
    if (!(RULE_ACTIONS as readonly string[]).includes(rule.action)) {
      issues.add(`${at}/action`, `"${rule.action}" is not an action.`, `Use ${RULE_ACTIONS.join(', ')}.`);
    }
    compiled.push({
      rule,
      index,
      checks: compileWhen(rule.when ?? {}, `${at}/when`, rule.name, folderIds, issues),
      limits: compileLimits(rule.rate, `${at}/rate`, issues),
      key: checkedTemplate(rule.key, `${at}/key`, issues, compileObjectKey),
      metadata: Object.entries(rule.metadata ?? {}).flatMap(([name, value]) => {
        const template = checkedTemplate(
          value,
          `${at}/metadata/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`,
          issues,
          compileTemplate,
        );
        return template ? [[name, template] as [string, CompiledTemplate]] : [];
      }),
      priority: rule.priority ?? 0,
    });
  });
  const defaultKey = checkedTemplate(
    cfg.defaultAction.key ?? cfg.defaultKey,
    cfg.defaultAction.key ? '/defaultAction/key' : '/defaultKey',
    issues,
    compileObjectKey,
  );
  const routes = compileRoutes(cfg, issues);
  return {
    rules: cfg.rules,
    decide: (facts, ctx) => decide(compiled, cfg, defaultKey, routes, facts, ctx),
  };
}

/** Reports unknown placeholders; returns the compiled template when it can be used. */
export function checkedTemplate(
  template: string | undefined,
  at: string,
  issues: IssueList,
  compile: (template: string) => CompiledTemplate,
): CompiledTemplate | undefined {
  if (template === undefined) return undefined;
  const unknown = unknownPlaceholders(template);
  for (const name of unknown) {
    issues.add(
      at,
      `unknown placeholder {${name}} in ${JSON.stringify(template)}.`,
      `Use ${TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}.`,
    );
  }
  return unknown.length === 0 ? compile(template) : undefined;
}

/** Where uploads go: the default destinations, and each destination's own key template. */
interface Routes {
  defaults: readonly string[];
  keys: ReadonlyMap<string, CompiledTemplate>;
}

function compileRoutes(cfg: ResolvedConfig, issues: IssueList): Routes {
  const keys = new Map<string, CompiledTemplate>();
  const destinations = cfg.destinations ?? [];
  destinations.forEach((destination, i) => {
    const at = cfg.raw.destinations ? `/destinations/${i}/keyTemplate` : '/destination/keyTemplate';
    const key = checkedTemplate(destination.keyTemplate, at, issues, compileObjectKey);
    if (key) keys.set(destination.name, key);
  });
  return { defaults: cfg.defaultDestinations ?? [DEFAULT_DESTINATION], keys };
}

/** One delivery per destination, each with its key: the destination's template, else the rule's. */
function deliveriesFor(
  to: string | string[] | undefined,
  routes: Routes,
  key: string | undefined,
  facts: FileFacts,
  templateCtx: Parameters<CompiledTemplate>[1],
): NonNullable<Decision['deliveries']> {
  const names = to === undefined ? routes.defaults : Array.isArray(to) ? to : [to];
  return names.map((destination) => {
    const own = routes.keys.get(destination);
    return { destination, objectKey: own ? own(facts, templateCtx) : key };
  });
}

function compileLimits(rate: RateCap | undefined, at: string, issues: IssueList): RateLimit[] {
  const limits: RateLimit[] = [];
  for (const [key, windowMs, unit] of RATE_WINDOWS) {
    const limit = rate?.[key];
    if (limit === undefined) continue;
    if (!Number.isInteger(limit) || limit < 1) {
      issues.add(
        `${at}/${key}`,
        `${JSON.stringify(limit)} is not a rate cap.`,
        'Use a whole number of files, 1 or more.',
      );
    }
    limits.push({ limit, windowMs, words: `cap of ${limit} per ${unit} reached` });
  }
  return limits;
}

function decide(
  rules: readonly CompiledRule[],
  cfg: ResolvedConfig,
  defaultKey: CompiledTemplate | undefined,
  routes: Routes,
  facts: FileFacts,
  ctx: DecideContext,
): Decision {
  const now = ctx.now.getTime();
  const trace: RuleTrace[] = [];
  for (const compiled of rules) {
    const name = compiled.rule.name;
    let failed: string | undefined;
    for (const check of compiled.checks) {
      failed = check.test(facts, now);
      if (failed !== undefined) break;
    }
    // Rate caps last: counting may query the queue, and only matters for files that would match.
    if (failed === undefined) {
      for (const cap of compiled.limits) {
        if (ctx.rates.count(name, now - cap.windowMs) >= cap.limit) {
          failed = cap.words;
          break;
        }
      }
    }
    if (failed !== undefined) {
      trace.push({ rule: name, matched: false, because: failed });
      continue;
    }
    const because =
      compiled.checks.length > 0
        ? compiled.checks.map((check) => check.describe(facts, now)).join(', ')
        : 'matches every file';
    trace.push({ rule: name, matched: true, because });
    const action = compiled.rule.action;
    const templateCtx = { site: cfg.site, now: ctx.now, rule: name };
    const metadata: Record<string, string> = {};
    for (const [key, template] of compiled.metadata) metadata[key] = template(facts, templateCtx);
    const keyTemplate = compiled.key ?? defaultKey;
    const key = action === 'upload' && keyTemplate ? keyTemplate(facts, templateCtx) : undefined;
    const deliveries =
      action === 'upload' ? deliveriesFor(compiled.rule.to, routes, key, facts, templateCtx) : undefined;
    return {
      action,
      rule: name,
      ruleIndex: compiled.index,
      reason: compiled.rule.reason ?? `${ACTION_WORDS[action]}: ${because} (rule ${name})`,
      priority: compiled.priority,
      objectKey: deliveries ? deliveries[0]?.objectKey : key,
      ...(deliveries ? { deliveries } : {}),
      metadata,
      trace,
      decidedAt: now,
    };
  }
  const action = cfg.defaultAction.action;
  const templateCtx = { site: cfg.site, now: ctx.now };
  const key = action === 'upload' && defaultKey ? defaultKey(facts, templateCtx) : undefined;
  const deliveries =
    action === 'upload' ? deliveriesFor(cfg.defaultAction.to, routes, key, facts, templateCtx) : undefined;
  return {
    action,
    rule: DEFAULT_RULE_NAME,
    ruleIndex: -1,
    reason: cfg.defaultAction.reason,
    priority: 0,
    objectKey: deliveries ? deliveries[0]?.objectKey : key,
    ...(deliveries ? { deliveries } : {}),
    metadata: {},
    trace,
    decidedAt: now,
  };
}
