import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue, IssueList } from './errors.ts';
import { yamlLocator } from './locate.ts';
import { validateAndResolve } from './resolve.ts';
import type { ResolvedConfig } from './types.ts';

export type ConfigFormat = 'yaml' | 'json';

export interface CheckedConfig {
  config?: ResolvedConfig;
  issues: ConfigIssue[];
}

/** Reads, validates and resolves a site config file (.yaml, .yml or .json). Throws ConfigError. */
export async function loadConfig(file: string): Promise<ResolvedConfig> {
  const format = formatOf(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([readIssue(file, err as NodeJS.ErrnoException)]);
  }
  const { config, issues } = checkConfigText(text, file, format);
  if (!config) throw new ConfigError(issues);
  return config;
}

/**
 * Validates config text without reading a file (e.g. an editor checking before save). `file` names
 * the source in issues and sets the directory relative paths resolve against.
 */
export function checkConfigText(
  text: string,
  file: string,
  format: ConfigFormat = formatOf(file),
): CheckedConfig {
  const source = text.replace(/^\uFEFF/, '');
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: true });
  const issues = new IssueList(file, yamlLocator(doc, lines));
  if (format === 'json') {
    const problem = jsonSyntaxIssue(source, file, lines);
    if (problem) return { issues: [problem] };
  }
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((error) => ({
        file,
        path: '',
        line: error.linePos?.[0].line,
        column: error.linePos?.[0].col,
        message: `YAML syntax error: ${firstLine(error.message)}.`,
        hint: yamlHint(error.code, error.message),
      })),
    };
  }
  const config = validateAndResolve(
    doc.toJS({ maxAliasCount: 100 }),
    file,
    { baseDir: path.dirname(path.resolve(file)) },
    issues,
  );
  return config ? { config, issues: [] } : { issues: issues.items };
}

function formatOf(file: string): ConfigFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  throw new ConfigError([
    {
      file,
      path: '',
      message: `cannot tell the format of "${path.basename(file)}".`,
      hint: 'Name the config file with .yaml, .yml or .json.',
    },
  ]);
}

function readIssue(file: string, err: NodeJS.ErrnoException): ConfigIssue {
  const absolute = path.resolve(file);
  switch (err.code) {
    case 'ENOENT':
      return {
        file,
        path: '',
        message: `config file not found (looked for ${absolute}).`,
        hint: 'Check the path, or start from build/examples/minimal.yaml.',
      };
    case 'EACCES':
    case 'EPERM':
      return {
        file,
        path: '',
        message: 'the config file cannot be read (permission denied).',
        hint: `Give this user read access to ${absolute}.`,
      };
    case 'EISDIR':
      return {
        file,
        path: '',
        message: `${absolute} is a directory.`,
        hint: 'Give the path of the config file itself, e.g. site.yaml.',
      };
    default:
      return {
        file,
        path: '',
        message: `the config file cannot be read: ${err.message}.`,
        hint: `Check ${absolute}.`,
      };
  }
}

/** JSON.parse is the judge for .json files (YAML would also accept comments and single quotes). */
function jsonSyntaxIssue(text: string, file: string, lines: LineCounter): ConfigIssue | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const message = (err as Error).message;
    const lineCol = /line (\d+) column (\d+)/.exec(message);
    const offset = /position (\d+)/.exec(message);
    const pos = lineCol
      ? { line: Number(lineCol[1]), col: Number(lineCol[2]) }
      : offset
        ? lines.linePos(Number(offset[1]))
        : undefined;
    return {
      file,
      path: '',
      ...(pos ? { line: pos.line, column: pos.col } : {}),
      message: `JSON syntax error: ${message.replace(/\s*\(line \d+ column \d+\)/, '')}.`,
      hint: 'JSON needs double-quoted keys and strings, commas between items and none after the last.',
    };
  }
}

const firstLine = (message: string): string =>
  (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');

function yamlHint(code: string, message: string): string {
  if (/closing|quote|end with a [\]}]/i.test(message)) {
    return 'A quote, bracket or brace is not closed; the problem starts at or before this line.';
  }
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'Each key may appear once per mapping; remove or merge the repeated one.';
    case 'TAB_AS_INDENT':
      return 'Indent with spaces, not tabs.';
    case 'MISSING_CHAR':
    case 'BAD_INDENT':
      return 'Check the indentation: items of one list or mapping must line up, with "key: value" and "- item".';
    default:
      return 'Check indentation, the ":" after each key, and quotes around values containing ": " or "#".';
  }
}
