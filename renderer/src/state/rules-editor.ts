import type { ConfigIssueMessage } from '../../../shared/contract/index.ts';

/** Where line `line` (1-based) starts in `text`, for moving the caret to an issue. */
export function lineStart(text: string, line: number): number {
  let offset = 0;
  for (let current = 1; current < line; current++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return offset;
}

/** The lines of the draft that have a problem. */
export function issueLines(issues: readonly ConfigIssueMessage[]): Set<number> {
  return new Set(issues.flatMap((issue) => (issue.line ? [issue.line] : [])));
}

/** "Line 7, rule 2 › when › size › max" — where the problem is, in words. */
export function issuePlace(issue: ConfigIssueMessage): string {
  const parts = issue.path.split('/').slice(1);
  const field =
    parts[0] === 'rules' && parts[1] !== undefined
      ? [`rule ${Number(parts[1]) + 1}`, ...parts.slice(2)].join(' › ')
      : parts.join(' › ') || 'the site file';
  return issue.line ? `Line ${issue.line}, ${field}` : field;
}
