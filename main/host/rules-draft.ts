import { LineCounter, parseDocument } from 'yaml';
import type { ConfigIssueMessage } from '../../shared/contract/index.ts';
import type { ConfigIssue } from '../engine/config/errors.ts';
import { yamlLocator } from '../engine/config/locate.ts';

/** Draft rules from the editor, parsed, with a way to point at a place in the draft text. */
export interface Draft {
  /** The rules the draft text means, when it parses. */
  value?: unknown;
  issues: ConfigIssueMessage[];
  /** Locates a `/rules/…` pointer in the draft text. */
  locate?: (pointer: string) => { line: number; column: number } | undefined;
}

/** The draft rules text: YAML or JSON, a list of rules. Line numbers are the editor's. */
export function parseDraft(text: string): Draft {
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
export function toMessage(issue: ConfigIssue, draft: Draft): ConfigIssueMessage {
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
