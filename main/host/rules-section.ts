import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { type Document, isMap, isPair, isScalar, type Node, parseDocument, stringify } from 'yaml';

/**
 * The rules section of the admin's site file as text: what the rules editor shows, and the file with
 * the editor's draft put back in its place. YAML keeps every comment and the layout outside the rules
 * byte for byte; JSON is rewritten.
 */

/** A short fingerprint of the rules text: a save is refused when the file's no longer matches. */
export function revisionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
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
