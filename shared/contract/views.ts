import * as v from 'valibot';
import { fileStateSchema, idSchema, seqSchema } from './domain.ts';

/** Schemas of the Rules, Activity and throughput views and of the site the engine runs. */

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const epochMs = v.pipe(v.number(), v.minValue(0));
/** Rules text an operator edits: YAML (or JSON, which YAML reads too). */
const rulesText = v.pipe(v.string(), v.maxLength(500_000));

export const RULE_ACTION_NAMES = ['upload', 'skip', 'quarantine', 'hold'] as const;

/** A config problem in operator words: the field, where it is in the text shown, and the fix. */
export const configIssueSchema = v.object({
  /** JSON pointer to the field, e.g. `/rules/2/when/size/min`. */
  path: v.string(),
  /** Line and column in the rules text the operator edits; absent when the problem is elsewhere in the file. */
  line: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  column: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  message: v.string(),
  hint: v.string(),
});
export type ConfigIssueMessage = v.InferOutput<typeof configIssueSchema>;

/** One rule as the Rules view shows it: conditions and caps in words. */
export const ruleViewSchema = v.object({
  index: count,
  name: v.string(),
  description: v.optional(v.string()),
  action: v.picklist(RULE_ACTION_NAMES),
  /** One sentence per condition; empty when the rule matches every file. */
  conditions: v.array(v.string()),
  reason: v.optional(v.string()),
  priority: v.pipe(v.number(), v.integer()),
  /** Destinations the rule names (`to`), when the config has them. */
  to: v.optional(v.array(v.string())),
  key: v.optional(v.string()),
  rate: v.optional(v.string()),
});
export type RuleView = v.InferOutput<typeof ruleViewSchema>;

export const siteInfoSchema = v.object({
  site: v.string(),
  device: v.string(),
  /** The built-in demo: simulated captures, nothing leaves the machine. */
  demo: v.boolean(),
  /** The site file the engine runs on; absent for built-in configs (the demo). */
  configFile: v.optional(v.string()),
  folders: v.array(v.object({ id: v.string(), path: v.string() })),
  warnings: v.array(v.string()),
});
export type SiteInfo = v.InferOutput<typeof siteInfoSchema>;

export const rulesConfigSchema = v.object({
  /** The rules section as written in the site file, comments included: what the editor starts from. */
  rulesText: v.string(),
  /** Identifies the rules text loaded; a save based on an older one is refused. */
  revision: v.string(),
  /** The rules deciding new files now. */
  rules: v.array(ruleViewSchema),
  defaultAction: v.object({ action: v.picklist(RULE_ACTION_NAMES), reason: v.string() }),
  editable: v.boolean(),
  /** Why the rules cannot be edited here, when they cannot. */
  readOnlyReason: v.optional(v.string()),
  /** The whole site file (YAML or JSON), for reference. */
  fileText: v.optional(v.string()),
  /** False when the file's rules are not the ones running (edited by hand since the engine started). */
  fileMatchesEngine: v.boolean(),
});
export type RulesConfig = v.InferOutput<typeof rulesConfigSchema>;

export const rulesCheckSchema = v.object({
  ok: v.boolean(),
  issues: v.array(configIssueSchema),
  /** The rules as they would run, when the text is valid. */
  rules: v.optional(v.array(ruleViewSchema)),
  warnings: v.array(v.string()),
});

export const rulesSavedSchema = v.object({
  ok: v.boolean(),
  issues: v.array(configIssueSchema),
  rules: v.optional(v.array(ruleViewSchema)),
  revision: v.optional(v.string()),
  warnings: v.array(v.string()),
});

export const dryRunRowSchema = v.object({
  folderId: v.string(),
  relPath: v.string(),
  /** upload, skip, quarantine, hold, or why the file could not be inspected (unreadable, too_large …). */
  action: v.string(),
  rule: v.optional(v.string()),
  reason: v.string(),
  objectKey: v.optional(v.string()),
  trace: v.optional(v.array(v.object({ rule: v.string(), matched: v.boolean(), because: v.string() }))),
});
export type DryRunRow = v.InferOutput<typeof dryRunRowSchema>;

export const dryRunResultSchema = v.object({
  rows: v.array(dryRunRowSchema),
  /** True when there were more files than the limit. */
  truncated: v.boolean(),
  /** Problems with the draft rules or the paths: nothing was decided when the rules are invalid. */
  issues: v.array(configIssueSchema),
  /** Paths that were not looked at, with why (outside every capture folder, missing). */
  notes: v.array(v.string()),
});

export const ACTIVITY_KINDS = ['files', 'problems', 'engine'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** One line of the activity log. */
export const activityItemSchema = v.object({
  seq: seqSchema,
  at: epochMs,
  category: v.picklist(ACTIVITY_KINDS),
  /** The change log's own kind: state, discovered, changed, predictions, problem, engine-started … */
  kind: v.string(),
  fileId: v.nullable(idSchema),
  relPath: v.optional(v.string()),
  folderId: v.optional(v.string()),
  from: v.optional(fileStateSchema),
  to: v.optional(fileStateSchema),
  detail: v.optional(v.string()),
});
export type ActivityItem = v.InferOutput<typeof activityItemSchema>;

export const activityPageSchema = v.object({
  items: v.array(activityItemSchema),
  /** Pass as `before` for the next (older) page. */
  nextBefore: v.optional(seqSchema),
});

/** Files and bytes uploaded per interval, oldest first, covering the last hour. */
export const throughputSchema = v.object({
  intervalMs: v.pipe(v.number(), v.integer(), v.minValue(1)),
  buckets: v.array(v.object({ at: epochMs, files: count, bytes: count })),
});
export type Throughput = v.InferOutput<typeof throughputSchema>;

export const fileActionResultSchema = v.object({
  changed: count,
  /** Files left as they were, each with why. */
  refused: v.array(v.object({ id: idSchema, why: v.string() })),
});

export const rulesTextSchema = rulesText;
