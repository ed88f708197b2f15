import { rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { isMap, isScalar, type Node, parseDocument } from 'yaml';

/**
 * Writing one setting into the admin's site file. YAML: the value's own text is replaced (or one
 * line added under its section), found with the `yaml` Document API, so every comment and the
 * layout elsewhere stay byte for byte; the result is checked to mean exactly the old document with
 * that one value changed, else the Document API writes it. JSON is rewritten.
 */

export type SettingPath = readonly (string | number)[];

const isJson = (file: string): boolean => extname(file).toLowerCase() === '.json';

function setIn(value: unknown, path: SettingPath, next: unknown): unknown {
  if (path.length === 0) return next;
  const [head, ...rest] = path;
  if (Array.isArray(value) && typeof head === 'number') {
    const copy = [...value];
    copy[head] = setIn(copy[head], rest, next);
    return copy;
  }
  const object = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  return { ...object, [String(head)]: setIn(object[String(head)], rest, next) };
}

/** The site file's text with the setting at `path` set to `value` (a string or number scalar). */
export function replaceSetting(
  fileText: string,
  file: string,
  path: SettingPath,
  value: string | number,
): string {
  if (isJson(file)) {
    return `${JSON.stringify(setIn(JSON.parse(fileText), path, value), null, 2)}\n`;
  }
  const doc = parseDocument(fileText);
  const expected = JSON.stringify(setIn(doc.toJS(), path, value));
  const scalar = typeof value === 'number' ? String(value) : JSON.stringify(value);
  const candidate = spliceSetting(fileText, doc, path, scalar);
  if (candidate !== undefined) {
    const check = parseDocument(candidate);
    if (check.errors.length === 0 && JSON.stringify(check.toJS()) === expected) return candidate;
  }
  doc.setIn(path as (string | number)[], value);
  return doc.toString({ lineWidth: 0 });
}

/** The text splice: the scalar's own range, or a new `key: value` line at the end of its block map. */
function spliceSetting(
  fileText: string,
  doc: ReturnType<typeof parseDocument>,
  path: SettingPath,
  scalar: string,
): string | undefined {
  const node = doc.getIn(path as (string | number)[], true) as Node | undefined;
  if (node !== undefined) {
    if (!isScalar(node) || !node.range) return undefined;
    return fileText.slice(0, node.range[0]) + scalar + fileText.slice(node.range[1]);
  }
  const parentPath = path.slice(0, -1);
  const key = path.at(-1);
  const parent = (
    parentPath.length === 0 ? doc.contents : doc.getIn(parentPath as (string | number)[], true)
  ) as Node | undefined;
  if (parent === undefined && parentPath.length === 1 && typeof parentPath[0] === 'string') {
    // A missing top-level section: added at the end of the file.
    return `${fileText.trimEnd()}\n${parentPath[0]}:\n  ${String(key)}: ${scalar}\n`;
  }
  if (!parent || !isMap(parent) || (parent as { flow?: boolean }).flow || !parent.range) return undefined;
  const last = parent.items.at(-1);
  const firstKey = parent.items[0]?.key as Node | undefined;
  if (!last || !firstKey?.range) return undefined;
  const column = firstKey.range[0] - (fileText.lastIndexOf('\n', firstKey.range[0] - 1) + 1);
  // After the map's last entry (its value's end), before any comment lines that follow it.
  const lastValue = (last.value ?? last.key) as Node | undefined;
  const end = lastValue?.range?.[1];
  if (end === undefined) return undefined;
  const line = `${' '.repeat(column)}${String(key)}: ${scalar}\n`;
  if (fileText[end - 1] === '\n') return fileText.slice(0, end) + line + fileText.slice(end);
  const lineEnd = fileText.indexOf('\n', end);
  if (lineEnd < 0) return `${fileText}\n${line}`;
  return fileText.slice(0, lineEnd + 1) + line + fileText.slice(lineEnd + 1);
}

/** Replaces the file through a temp file in its folder (same mode): never half written. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const info = await stat(file);
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  await writeFile(temp, text, { mode: info.mode & 0o777, flag: 'wx' });
  await rename(temp, file);
}

/** One edit by JSON pointer (`/folders/-` appends); no value: the setting is removed. */
export interface PointerEdit {
  path: string;
  value?: unknown;
}

/** An edit that cannot be made: it names the setting (JSON pointer) and the fix. */
export interface EditProblem {
  path: string;
  message: string;
  hint: string;
}

/** `/folders/0/path` → ['folders', '0', 'path'] (RFC 6901 escapes undone; indexes stay strings here). */
export function pointerSegments(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const isIndex = (segment: string): boolean => /^(0|[1-9]\d{0,5})$/.test(segment);

type Step =
  | { kind: 'set'; path: SettingPath; value: unknown }
  | { kind: 'append'; path: SettingPath; value: unknown }
  | { kind: 'delete'; path: SettingPath };

/**
 * Resolves an edit against the document as it is (plain data): list indexes become numbers, `-`
 * an append, and a path through a scalar or past the end of a list is a problem.
 */
function stepOf(data: unknown, edit: PointerEdit): Step | EditProblem {
  const segments = pointerSegments(edit.path);
  const path: (string | number)[] = [];
  let here: unknown = data;
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    const at = `/${segments.slice(0, index).join('/')}`;
    if (Array.isArray(here)) {
      if (segment === '-' && last) {
        if (edit.value === undefined)
          return {
            path: edit.path,
            message: 'there is nothing to remove at "-".',
            hint: 'Name the entry by its number, e.g. /folders/1.',
          };
        return { kind: 'append', path, value: edit.value };
      }
      if (!isIndex(segment) || Number(segment) > here.length || (Number(segment) === here.length && !last)) {
        return {
          path: edit.path,
          message: `${at} has ${here.length} entr${here.length === 1 ? 'y' : 'ies'}; there is no entry "${segment}".`,
          hint: `Use a number from 0 to ${Math.max(0, here.length - 1)}, or "-" to add one at the end.`,
        };
      }
      path.push(Number(segment));
      here = here[Number(segment)];
      continue;
    }
    if (here !== undefined && (here === null || typeof here !== 'object')) {
      return {
        path: edit.path,
        message: `${at} is a single value, so it has no "${segment}".`,
        hint: `Set ${at} itself instead.`,
      };
    }
    if (segment === '-' && last && here === undefined && edit.value !== undefined) {
      // Appending to a list the file does not have yet: the list is created.
      return { kind: 'set', path, value: [edit.value] };
    }
    path.push(segment);
    here = here === undefined ? undefined : (here as Record<string, unknown>)[segment];
  }
  if (edit.value === undefined) return { kind: 'delete', path };
  return { kind: 'set', path, value: edit.value };
}

const isProblem = (step: Step | EditProblem): step is EditProblem => 'message' in step;

function applyToData(data: unknown, step: Step): unknown {
  const root = (data && typeof data === 'object' ? structuredClone(data) : {}) as Record<string, unknown>;
  const parentPath = step.kind === 'append' ? step.path : step.path.slice(0, -1);
  let parent: Record<string | number, unknown> = root;
  for (const key of parentPath) {
    const next = parent[key];
    if (next === undefined || next === null || typeof next !== 'object') parent[key] = {};
    parent = parent[key] as Record<string | number, unknown>;
  }
  if (step.kind === 'append') {
    if (Array.isArray(parent)) parent.push(step.value);
    return root;
  }
  const key = step.path.at(-1);
  if (key === undefined) return step.kind === 'set' ? step.value : {};
  if (step.kind === 'delete') {
    if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
    else delete parent[key];
  } else parent[key] = step.value;
  return root;
}

/**
 * The site file's text with every edit made, or the first edit that cannot be made. YAML: a scalar
 * replaced in place is spliced byte for byte (replaceSetting); anything else (an entry added,
 * removed or replaced by an object) goes through the `yaml` Document API, which keeps comments and
 * the layout of everything it does not touch. JSON files are rewritten.
 */
export function applySettingEdits(
  fileText: string,
  file: string,
  edits: readonly PointerEdit[],
): { text: string } | { problem: EditProblem } {
  if (isJson(file)) {
    let data: unknown = JSON.parse(fileText);
    for (const edit of edits) {
      const step = stepOf(data, edit);
      if (isProblem(step)) return { problem: step };
      data = applyToData(data, step);
    }
    return { text: `${JSON.stringify(data, null, 2)}\n` };
  }
  let text = fileText;
  for (const edit of edits) {
    const doc = parseDocument(text);
    const data = doc.toJS() ?? {};
    const step = stepOf(data, edit);
    if (isProblem(step)) return { problem: step };
    const expected = JSON.stringify(applyToData(data, step));
    const value = step.kind === 'delete' ? undefined : step.value;
    if (
      step.kind === 'set' &&
      (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    ) {
      const candidate = spliceSetting(
        text,
        doc,
        step.path,
        typeof value === 'string' ? JSON.stringify(value) : String(value),
      );
      if (candidate !== undefined) {
        const check = parseDocument(candidate);
        if (check.errors.length === 0 && JSON.stringify(check.toJS()) === expected) {
          text = candidate;
          continue;
        }
      }
    }
    if (step.kind === 'append') doc.addIn(step.path as (string | number)[], doc.createNode(step.value));
    else if (step.kind === 'delete') {
      if (doc.hasIn(step.path as (string | number)[])) doc.deleteIn(step.path as (string | number)[]);
    } else doc.setIn(step.path as (string | number)[], doc.createNode(step.value));
    text = doc.toString({ lineWidth: 0 });
  }
  return { text };
}
