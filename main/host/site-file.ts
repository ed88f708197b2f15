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
