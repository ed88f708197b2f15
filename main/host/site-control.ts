import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import {
  type Document,
  isMap,
  isPair,
  isScalar,
  LineCounter,
  type Node,
  parseDocument,
  stringify,
} from 'yaml';
import type {
  ConfigIssueMessage,
  DryRunRow,
  RulesConfig,
  RuleView,
  SiteInfo,
} from '../../shared/contract/index.ts';
import type { Rule } from '../../shared/rules.ts';
import { type ConfigIssue, IssueList } from '../engine/config/errors.ts';
import { checkConfigText } from '../engine/config/load.ts';
import { yamlLocator } from '../engine/config/locate.ts';
import { validateAndResolve } from '../engine/config/resolve.ts';
import type { ResolvedConfig, ResolvedFolder } from '../engine/config/types.ts';
import { type DryRunTarget, dryRunDecisions, folderTargets } from '../engine/dry-run.ts';
import type { FileRecord } from '../engine/queue/types.ts';
import { type CompiledRules, compileRules } from '../engine/rules/index.ts';
import { compileObjectKey } from '../engine/rules/template.ts';
import { ruleView } from './rule-words.ts';
import { replaceSetting, type SettingPath, writeAtomically } from './site-file.ts';

/** What the site control needs from an engine: its config and a way to swap its rules. */
export interface RulesEngine {
  readonly config: ResolvedConfig;
  applyRules(rules: CompiledRules): void;
  /** Applies a whole config live (CaptureEngine.reconfigure): used when saved rules change retention. */
  reconfigure?(next: ResolvedConfig): Promise<void>;
}

/** The label resolveConfig gets for the built-in demo (see `edge-capture demo`). */
export const DEMO_SOURCE = '(built-in demo config)';

interface Draft {
  /** The rules the draft text means, when it parses. */
  value?: unknown;
  issues: ConfigIssueMessage[];
  /** Locates a `/rules/…` pointer in the draft text. */
  locate?: (pointer: string) => { line: number; column: number } | undefined;
}

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
    const run = this.saving.then(() => this.save(text, revision));
    this.saving = run.catch(() => undefined);
    return run;
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
    try {
      await writeAtomically(file, checked.fileText);
    } catch (error) {
      return refusal(
        '',
        `the site file could not be written: ${(error as Error).message}.`,
        `Give the engine's user write access to ${file} (and its folder), then save again.`,
      );
    }
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
    const run = this.saving.then(async () => {
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
      try {
        await writeAtomically(file, text);
      } catch (error) {
        return refusal(
          '',
          `the site file could not be written: ${(error as Error).message}.`,
          `Give the engine's user write access to ${file} (and its folder), then save again.`,
        );
      }
      return { ok: true, issues: [] };
    });
    this.saving = run.catch(() => undefined);
    return run;
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
    const targets = await this.targets(config, options, notes);
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

  private async targets(
    config: ResolvedConfig,
    options: { folderId?: string; paths?: string[] },
    notes: string[],
  ): Promise<AsyncIterable<DryRunTarget> | DryRunTarget[]> {
    const paths = (options.paths ?? []).map((path) => path.trim()).filter(Boolean);
    if (paths.length === 0) {
      const folders = options.folderId
        ? config.folders.filter((folder) => folder.id === options.folderId)
        : config.folders;
      if (options.folderId && folders.length === 0)
        notes.push(`There is no capture folder "${options.folderId}".`);
      return concat(folders.map((folder) => folderTargets(folder)));
    }
    const found: (DryRunTarget | AsyncIterable<DryRunTarget>)[] = [];
    for (const typed of paths) {
      const candidates = locate(config.folders, typed, options.folderId);
      if (candidates.length === 0) {
        notes.push(
          `${typed}: not inside a capture folder; only files in ${config.folders.map((f) => f.path).join(', ')} can be tried.`,
        );
        continue;
      }
      let seen = false;
      for (const candidate of candidates) {
        const info = await stat(candidate.absPath).catch(() => undefined);
        if (!info) continue;
        seen = true;
        const { folder, absPath } = candidate;
        if (info.isDirectory())
          found.push(folderTargets(folder, absPath === folder.path ? undefined : absPath + sep));
        else found.push(candidate);
        break;
      }
      if (!seen) notes.push(`${typed}: no such file or folder in the capture folders.`);
    }
    return concat(found.map((item) => (Symbol.asyncIterator in item ? item : single(item))));
  }

  /**
   * The object key a skipped or rule-quarantined file gets when an operator sends it to upload: its
   * rule's key template, else the site's default, exactly as a rule deciding "upload" renders it.
   */
  objectKeyFor(record: FileRecord): string | undefined {
    const inspection = record.inspection;
    if (!inspection) return undefined;
    const config = this.current;
    const folder = config.folders.find((f) => f.id === record.folderId);
    const template =
      config.rules.find((rule) => rule.name === record.rule)?.key ??
      config.defaultAction.key ??
      config.defaultKey;
    return compileObjectKey(template)(
      {
        folderId: record.folderId,
        relPath: record.relPath,
        absPath: record.absPath,
        device: folder?.device ?? config.device,
        inspection,
      },
      { site: config.site, now: new Date(), rule: record.rule },
    );
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

export function revisionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** The draft rules text: YAML or JSON, a list of rules. Line numbers are the editor's. */
function parseDraft(text: string): Draft {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.slice(0, 5).map((error) => ({
        path: '/rules',
        line: error.linePos?.[0].line,
        column: error.linePos?.[0].col,
        message: `YAML syntax error: ${(error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '')}.`,
        hint: 'Check the indentation (each rule starts with "- name:"), the ":" after each key, and quotes around values containing ": " or "#".',
      })),
    };
  }
  const value = doc.toJS({ maxAliasCount: 100 }) ?? [];
  if (!Array.isArray(value)) {
    return {
      issues: [
        {
          path: '/rules',
          line: 1,
          column: 1,
          message: 'the rules must be a list.',
          hint: 'Start each rule with "- name: …" at the left margin, as in the text you were given.',
        },
      ],
    };
  }
  const locate = yamlLocator(doc, lines);
  return { value, issues: [], locate: (pointer) => locate(pointer, 'value') };
}

/** Moves an issue's position from the site file to the draft text when it is about the rules. */
function toMessage(issue: ConfigIssue, draft: Draft): ConfigIssueMessage {
  const message: ConfigIssueMessage = { path: issue.path, message: issue.message, hint: issue.hint };
  if (issue.path === '/rules' || issue.path.startsWith('/rules/')) {
    const at = draft.locate?.(issue.path.slice('/rules'.length));
    if (at) {
      message.line = at.line;
      message.column = at.column;
    }
  } else if (issue.path !== '') {
    message.message = `${issue.message} (elsewhere in the site file${issue.line ? `, line ${issue.line}` : ''})`;
  }
  return message;
}

/** The rules section of a site file as written (comments included), left-aligned for the editor. */
export function rulesSection(fileText: string, file: string): { text: string; value: unknown } {
  if (isJson(file)) {
    const rules = (JSON.parse(fileText) as { rules?: unknown }).rules;
    return { text: rules === undefined ? '' : `${JSON.stringify(rules, null, 2)}\n`, value: rules };
  }
  const doc = parseDocument(fileText);
  const span = blockSpan(fileText, rulesPair(doc));
  if (!span) {
    const value = doc.toJS()?.rules;
    return { text: value === undefined ? '' : stringify(value, { lineWidth: 0 }), value };
  }
  const raw = fileText.slice(span.start, span.end);
  return { text: `${dedent(raw, span.column).trimEnd()}\n`, value: doc.toJS().rules };
}

/**
 * Where a block-style rules list sits in the file: from the line after `rules:` (so comments above
 * the first rule belong to it) to the end of its last rule. Undefined for flow lists and no rules.
 */
function blockSpan(
  fileText: string,
  pair: ReturnType<typeof rulesPair>,
): { start: number; end: number; column: number } | undefined {
  const node = pair?.value as Node | undefined;
  if (!pair || !isScalar(pair.key) || !pair.key.range || !node?.range || isFlowOrScalar(node))
    return undefined;
  const first = node.range[0];
  const column = first - (fileText.lastIndexOf('\n', first - 1) + 1);
  const keyLineEnd = fileText.indexOf('\n', pair.key.range[1]);
  const start = keyLineEnd >= 0 && keyLineEnd < first ? keyLineEnd + 1 : first - column;
  const slice = fileText.slice(start, node.range[1]);
  return { start, end: start + slice.trimEnd().length, column };
}

/**
 * The site file with its rules replaced by the draft: for YAML, only the text of the rules value
 * changes (the admin's comments and layout elsewhere stay byte for byte); JSON is rewritten.
 */
export function replaceRules(fileText: string, file: string, rules: unknown, draftText: string): string {
  if (isJson(file)) {
    const doc = JSON.parse(fileText) as Record<string, unknown>;
    return `${JSON.stringify({ ...doc, rules }, null, 2)}\n`;
  }
  const doc = parseDocument(fileText);
  const pair = rulesPair(doc);
  const draft = draftText.replace(/^\s*\n/, '').trimEnd();
  const node = pair?.value as Node | undefined;
  const span = blockSpan(fileText, pair);
  let result: string;
  if (span) {
    result = fileText.slice(0, span.start) + indent(draft, span.column, true) + fileText.slice(span.end);
  } else if (!pair || !isScalar(pair.key) || !pair.key.range) {
    result = `${fileText.trimEnd()}\n\nrules:\n${indent(draft, 2, true)}\n`;
  } else {
    // `rules: []`, `rules:` with nothing, or a flow list: the draft goes below the key.
    const keyStart = pair.key.range[0];
    const keyColumn = keyStart - (fileText.lastIndexOf('\n', keyStart - 1) + 1);
    const afterKey = fileText.indexOf(':', pair.key.range[1]) + 1;
    const end = node?.range ? node.range[1] : afterKey;
    const rest = fileText.slice(end);
    result = `${fileText.slice(0, afterKey)}\n${indent(draft, keyColumn + 2, true)}${rest.startsWith('\n') ? '' : '\n'}${rest}`;
  }
  // The splice must mean exactly the draft; if the layout fooled it, let the YAML library write it.
  const check = parseDocument(result);
  if (check.errors.length === 0 && JSON.stringify(check.toJS()?.rules ?? []) === JSON.stringify(rules))
    return result;
  const fallback = parseDocument(fileText);
  fallback.set('rules', parseDocument(draftText).contents);
  return fallback.toString({ lineWidth: 0 });
}

function rulesPair(doc: Document) {
  if (!isMap(doc.contents)) return undefined;
  return doc.contents.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === 'rules');
}

function isFlowOrScalar(node: Node): boolean {
  return isScalar(node) || Boolean((node as { flow?: boolean }).flow);
}

const isJson = (file: string): boolean => extname(file).toLowerCase() === '.json';

function dedent(text: string, column: number): string {
  const prefix = new RegExp(`^ {0,${column}}`);
  return text
    .split('\n')
    .map((line) => line.replace(prefix, ''))
    .join('\n');
}

function indent(text: string, column: number, first: boolean): string {
  const pad = ' '.repeat(column);
  return text
    .split('\n')
    .map((line, index) => ((index > 0 || first) && line.length > 0 ? pad + line : line))
    .join('\n');
}

/** A typed path: absolute, or relative to a capture folder (`cam/frame.jpg` or `frame.jpg` in the chosen one). */
function locate(folders: readonly ResolvedFolder[], typed: string, folderId?: string): DryRunTarget[] {
  const candidates = isAbsolute(typed)
    ? folders.map((folder) => ({ folder, absPath: resolve(typed) }))
    : folders.flatMap((folder) => {
        const inside = [{ folder, absPath: resolve(folder.path, typed) }];
        const [first, ...rest] = typed.split(/[\\/]/);
        if (first === folder.id && rest.length)
          inside.unshift({ folder, absPath: resolve(folder.path, ...rest) });
        return inside;
      });
  const ordered = folderId
    ? [
        ...candidates.filter((c) => c.folder.id === folderId),
        ...candidates.filter((c) => c.folder.id !== folderId),
      ]
    : candidates;
  return ordered
    .filter(({ folder, absPath }) => absPath === folder.path || absPath.startsWith(folder.path + sep))
    .map(({ folder, absPath }) => ({
      folder,
      absPath,
      relPath: relative(folder.path, absPath).split(sep).join('/'),
    }));
}

async function* single<T>(item: T): AsyncGenerator<T> {
  yield item;
}

async function* concat<T>(sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  for (const source of sources) yield* source;
}
