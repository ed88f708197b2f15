/** Config problems reported in operator words, each pointing at the field (and line) to fix. */

export interface ConfigIssue {
  /** The config file as given, or `(inline)`. */
  file: string;
  /** JSON pointer to the offending field, e.g. `/rules/2/when/size/min`; empty for the whole file. */
  path: string;
  line?: number;
  column?: number;
  /** What is wrong, e.g. `"4 kilobytes" is not a size.` */
  message: string;
  /** How to fix it. */
  hint: string;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(summarize(issues));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Where a JSON pointer sits in the source text; `key` asks for the key of a map entry rather than its value. */
export type Locator = (pointer: string, at: 'key' | 'value') => { line: number; column: number } | undefined;

/** Collects issues for one file, adding line and column when the source text is known. */
export class IssueList {
  readonly items: ConfigIssue[] = [];
  readonly file: string;
  private readonly locate: Locator | undefined;

  constructor(file: string, locate?: Locator) {
    this.file = file;
    this.locate = locate;
  }

  add(path: string, message: string, hint: string, at: 'key' | 'value' = 'value'): void {
    const issue: ConfigIssue = { file: this.file, path, message, hint };
    const pos = this.locate?.(path, at);
    if (pos) {
      issue.line = pos.line;
      issue.column = pos.column;
    }
    this.items.push(issue);
  }

  get empty(): boolean {
    return this.items.length === 0;
  }

  throwIfAny(): void {
    if (this.items.length > 0) throw new ConfigError(this.items);
  }
}

export function formatIssue(issue: ConfigIssue): string {
  let where = issue.file;
  if (issue.line !== undefined) where += `:${issue.line}`;
  if (issue.line !== undefined && issue.column !== undefined) where += `:${issue.column}`;
  const field = issue.path ? ` ${issue.path}:` : ':';
  return `${where}${field} ${issue.message}${issue.hint ? ` ${issue.hint}` : ''}`;
}

/** One line per issue, e.g. `site.yaml:14:9 /rules/2/when/size/min: "4 kilobytes" is not a size. Use …` */
export function formatConfigError(err: unknown): string {
  if (err instanceof ConfigError) return err.issues.map(formatIssue).join('\n');
  if (err instanceof Error) return err.message;
  return String(err);
}

function summarize(issues: ConfigIssue[]): string {
  if (issues.length === 0) return 'Invalid configuration';
  const file = issues[0]?.file ?? 'config';
  const head = issues.length === 1 ? `${file} has a problem:` : `${file} has ${issues.length} problems:`;
  return `${head}\n${issues.map((issue) => `  ${formatIssue(issue)}`).join('\n')}`;
}
