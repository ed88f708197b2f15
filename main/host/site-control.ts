import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import type {
  ConfigIssueMessage,
  DryRunRow,
  RulesConfig,
  RuleView,
  SiteInfo,
} from '../../shared/contract/index.ts';
import type { Rule } from '../../shared/rules.ts';
import { IssueList } from '../engine/config/errors.ts';
import { checkConfigText } from '../engine/config/load.ts';
import { validateAndResolve } from '../engine/config/resolve.ts';
import type { ResolvedConfig } from '../engine/config/types.ts';
import { dryRunDecisions } from '../engine/dry-run.ts';
import type { FileRecord } from '../engine/queue/types.ts';
import { ruleKeyFor } from '../engine/review/service.ts';
import { type CompiledRules, compileRules } from '../engine/rules/index.ts';
import { dryRunTargets } from './dry-run-targets.ts';
import { ruleView } from './rule-words.ts';
import { parseDraft, toMessage } from './rules-draft.ts';
import { replaceRules, revisionOf, rulesSection } from './rules-section.ts';
import { replaceSetting, type SettingPath, writeAtomically } from './site-file.ts';

export { replaceRules, revisionOf, rulesSection } from './rules-section.ts';

/** What the site control needs from an engine: its config and a way to swap its rules. */
export interface RulesEngine {
  readonly config: ResolvedConfig;
  applyRules(rules: CompiledRules): void;
  /** Applies a whole config live (CaptureEngine.reconfigure): used when saved rules change retention. */
  reconfigure?(next: ResolvedConfig): Promise<unknown>;
}

/** The label resolveConfig gets for the built-in demo (see `edge-capture demo`). */
export const DEMO_SOURCE = '(built-in demo config)';

interface Checked {
  issues: ConfigIssueMessage[];
  config?: ResolvedConfig;
  /** The whole site file with the draft rules in place (file-backed configs only). */
  fileText?: string;
}

export const DRY_RUN_DEFAULT_LIMIT = 500;

/**
 * The site's config as the operator UI sees and edits it. Rule edits are validated exactly as
 * `edge-capture validate` validates a file, written into the site file with everything else in it
 * byte for byte as it was (comments, layout), and applied to the running engine.
 */
export class SiteControl {
  private readonly engine: RulesEngine;
  /** The config deciding new files: the engine's, then each saved edit. */
  private current: ResolvedConfig;
  private saving: Promise<unknown> = Promise.resolve();

  constructor(engine: RulesEngine) {
    this.engine = engine;
    this.current = engine.config;
  }

  get config(): ResolvedConfig {
    return this.current;
  }

  /** Runs a save in the one-at-a-time queue shared with rule and setting saves. */
  exclusive<T>(save: () => Promise<T>): Promise<T> {
    const run = this.saving.then(save);
    this.saving = run.catch(() => undefined);
    return run;
  }

  /** The engine now runs on this config (a settings edit was applied live). */
  adopt(config: ResolvedConfig): void {
    this.current = config;
  }

  /** The site file, or undefined for built-in configs (the demo). */
  get file(): string | undefined {
    const source = this.current.source;
    return source.startsWith('(') ? undefined : source;
  }

  info(): SiteInfo {
    const config = this.current;
    return {
      site: config.site,
      device: config.device,
      demo: config.source === DEMO_SOURCE,
      configFile: this.file,
      folders: config.folders.map(({ id, path }) => ({ id, path })),
      warnings: config.warnings.map((warning) => `${warning.path}: ${warning.message}`),
    };
  }

  async get(): Promise<RulesConfig> {
    const config = this.current;
    const base = {
      rules: views(config.rules),
      defaultAction: { action: config.defaultAction.action, reason: config.defaultAction.reason },
    };
    const file = this.file;
    if (!file) {
      const rulesText = stringify(config.rules, { lineWidth: 0 });
      return {
        ...base,
        rulesText,
        revision: revisionOf(rulesText),
        editable: false,
        readOnlyReason:
          config.source === DEMO_SOURCE
            ? 'The demo runs on built-in rules: try changes with the dry run here; to keep rules, set up a site file.'
            : 'These rules did not come from a file, so there is nowhere to save them.',
        fileMatchesEngine: true,
      };
    }
    const fileText = await readFile(file, 'utf8');
    const section = rulesSection(fileText, file);
    return {
      ...base,
      rulesText: section.text,
      revision: revisionOf(section.text),
      editable: true,
      fileText,
      fileMatchesEngine: JSON.stringify(section.value ?? []) === JSON.stringify(config.rules),
    };
  }

  /** Validates draft rules against the site file as it is now (nothing is written). */
  async check(
    text: string,
  ): Promise<{ ok: boolean; issues: ConfigIssueMessage[]; rules?: RuleView[]; warnings: string[] }> {
    const checked = await this.checkDraft(text);
    return {
      ok: checked.issues.length === 0,
      issues: checked.issues,
      rules: checked.config && views(checked.config.rules),
      warnings: warningsOf(checked.config),
    };
  }

  /**
   * Validates, writes and applies draft rules. Refused (file and engine untouched) when the text is
   * invalid, when the rules in the file changed since `revision` was read, or when the file cannot be
   * written. One save at a time.
   */
  update(
    text: string,
    revision: string | undefined,
  ): Promise<{
    ok: boolean;
    issues: ConfigIssueMessage[];
    rules?: RuleView[];
    revision?: string;
    warnings: string[];
  }> {
    return this.exclusive(() => this.save(text, revision));
  }

  private async save(text: string, revision: string | undefined) {
    const file = this.file;
    if (!file) {
      return refusal(
        '',
        'there is no site file to save these rules into.',
        'Set up a site file (see the first-run panel) and run the engine on it.',
      );
    }
    if (revision !== undefined) {
      const now = rulesSection(await readFile(file, 'utf8'), file);
      if (revisionOf(now.text) !== revision) {
        return refusal(
          '/rules',
          'the rules in the site file changed since you opened them (someone else saved, or the file was edited).',
          'Copy your changes, reload the rules, and apply them again.',
        );
      }
    }
    const checked = await this.checkDraft(text);
    if (!checked.config || checked.fileText === undefined || checked.issues.length > 0) {
      return { ok: false, issues: checked.issues, warnings: warningsOf(checked.config) };
    }
    const rules = compileRules(checked.config);
    const unwritten = await writeSiteFile(file, checked.fileText);
    if (unwritten) return unwritten;
    const retentionOf = (list: readonly Rule[]) =>
      JSON.stringify(list.map((rule) => [rule.name, rule.retention ?? null]));
    const retentionChanged = retentionOf(this.current.rules) !== retentionOf(checked.config.rules);
    const next: ResolvedConfig = {
      ...this.current,
      rules: checked.config.rules,
      // Rules' own retention settings are resolved into the retention scopes.
      retention: retentionChanged ? checked.config.retention : this.current.retention,
      raw: { ...this.current.raw, rules: checked.config.rules },
    };
    const later: string[] = [];
    if (retentionChanged && this.engine.reconfigure) {
      try {
        await this.engine.reconfigure(next);
      } catch (error) {
        this.engine.applyRules(rules);
        next.retention = this.current.retention;
        later.push(
          `Rules now decide new files; their changed retention settings could not be applied (${(error as Error).message}) and take effect when the engine restarts.`,
        );
      }
    } else {
      this.engine.applyRules(rules);
      if (retentionChanged) {
        later.push(
          'Rules now decide new files; changed retention settings of rules take effect when the engine restarts.',
        );
      }
    }
    this.current = next;
    const saved = rulesSection(checked.fileText, file);
    return {
      ok: true,
      issues: [],
      rules: views(checked.config.rules),
      revision: revisionOf(saved.text),
      warnings: [...warningsOf(checked.config), ...later],
    };
  }

  /**
   * Writes one setting (e.g. `upload.bandwidth`) into the site file, comments kept, after checking
   * the whole file as `edge-capture validate` would. Shares the one-save-at-a-time queue with rule
   * saves. Returns the problems instead of writing when the result would not be a valid config.
   */
  saveSetting(
    path: SettingPath,
    value: string | number,
  ): Promise<{ ok: boolean; issues: ConfigIssueMessage[] }> {
    return this.exclusive(async () => {
      const file = this.file;
      if (!file) {
        return refusal(
          '',
          'there is no site file to save this setting into.',
          'Set up a site file and run the engine on it.',
        );
      }
      const text = replaceSetting(await readFile(file, 'utf8'), file, path, value);
      const { issues } = checkConfigText(text, file);
      if (issues.length > 0)
        return { ok: false, issues: issues.map((issue) => toMessage(issue, { issues: [] })) };
      const unwritten = await writeSiteFile(file, text);
      if (unwritten) return unwritten;
      return { ok: true, issues: [] };
    });
  }

  /** The site file as it is on disk now (undefined for built-in configs). */
  async fileText(): Promise<string | undefined> {
    const file = this.file;
    return file ? readFile(file, 'utf8') : undefined;
  }

  private async checkDraft(text: string): Promise<Checked> {
    const draft = parseDraft(text);
    if (draft.issues.length > 0) return { issues: draft.issues };
    const file = this.file;
    if (!file) {
      const issues = new IssueList(this.current.source);
      const config = validateAndResolve(
        { ...this.current.raw, rules: draft.value },
        this.current.source,
        {},
        issues,
      );
      return { issues: issues.items.map((issue) => toMessage(issue, draft)), config };
    }
    const fileText = await readFile(file, 'utf8');
    const replaced = replaceRules(fileText, file, draft.value, text);
    // The same reading and checks as `edge-capture validate`, on the file as it would be written.
    const { config, issues } = checkConfigText(replaced, file);
    return { issues: issues.map((issue) => toMessage(issue, draft)), config, fileText: replaced };
  }

  /**
   * Decides files with the running rules, or with draft rules when `text` is given, without
   * queuing anything. Only files inside the capture folders are looked at.
   */
  async dryRun(options: {
    folderId?: string;
    paths?: string[];
    text?: string;
    limit?: number;
  }): Promise<{ rows: DryRunRow[]; truncated: boolean; issues: ConfigIssueMessage[]; notes: string[] }> {
    let config = this.current;
    if (options.text !== undefined) {
      const checked = await this.checkDraft(options.text);
      if (!checked.config || checked.issues.length > 0) {
        return { rows: [], truncated: false, issues: checked.issues, notes: [] };
      }
      config = checked.config;
    }
    const rules = compileRules(config);
    const notes: string[] = [];
    const targets = await dryRunTargets(config, options, notes);
    const limit = options.limit ?? DRY_RUN_DEFAULT_LIMIT;
    const rows: DryRunRow[] = [];
    let truncated = false;
    for await (const outcome of dryRunDecisions(config, rules, targets, { workers: 0 })) {
      if (rows.length >= limit) {
        truncated = true;
        break;
      }
      rows.push({
        folderId: outcome.target.folder.id,
        relPath: outcome.target.relPath,
        action: outcome.action,
        rule: outcome.rule,
        reason: outcome.reason,
        objectKey: outcome.objectKey,
        trace: outcome.trace,
      });
    }
    return { rows, truncated, issues: [], notes };
  }

  /**
   * The object key a skipped or rule-quarantined file gets when an operator sends it to upload: its
   * rule's key template, else the site's default, exactly as a rule deciding "upload" renders it.
   */
  objectKeyFor(record: FileRecord): string | undefined {
    return ruleKeyFor(this.current)(record);
  }
}

function views(rules: readonly Rule[]): RuleView[] {
  return rules.map((rule, index) => ruleView(rule, index));
}

function warningsOf(config: ResolvedConfig | undefined): string[] {
  return (config?.warnings ?? []).map((warning) => `${warning.path}: ${warning.message}`);
}

function refusal(path: string, message: string, hint: string) {
  return { ok: false, issues: [{ path, message, hint }], warnings: [] as string[] };
}

/** Writes the site file in one step; a refusal saying how to fix it when it cannot be written. */
async function writeSiteFile(file: string, text: string): Promise<ReturnType<typeof refusal> | undefined> {
  try {
    await writeAtomically(file, text);
    return undefined;
  } catch (error) {
    return refusal(
      '',
      `the site file could not be written: ${(error as Error).message}.`,
      `Give the engine's user write access to ${file} (and its folder), then save again.`,
    );
  }
}
