import type { ConfigIssueMessage, SettingEdit } from '../../../../shared/contract/index.ts';

/**
 * A Settings form and the site file, both ways: a section's fields prefilled from the file as
 * written, the form turned back into JSON-pointer edits (only what changed; an emptied field is
 * removed so it goes back to its default), and the host's issues put under the field they name.
 * Pure: the host's validation (`settings.check`) has the last word on what is valid.
 */

/**
 * count: a whole number; size / duration / text: kept as typed ("64M", "30s"), the host reads the
 * units; flag: a checkbox; choice: one of `choices` ('' = the default, nothing written);
 * yesNo: a boolean whose default depends on other settings ('' = that default).
 */
export type FieldKind = 'count' | 'size' | 'duration' | 'text' | 'flag' | 'choice' | 'yesNo';

export interface FieldSpec {
  /** Where it is below the section's pointer, `/`-separated: `concurrency`, `diskGuard/maxBytes`. */
  key: string;
  /** In operator words: "Files at once". */
  label: string;
  kind: FieldKind;
  /** Shown beside the input: "files", "size, e.g. 64M". */
  unit?: string;
  /** What applies when the field is left empty: "4", "64M". */
  placeholder?: string;
  /** One more sentence under the field. */
  hint?: string;
  choices?: readonly { value: string; label: string }[];
  /** flag: whether it is on when nothing is written. */
  defaultOn?: boolean;
}

export type FormValue = string | boolean;
export type FormValues = Record<string, FormValue>;
type Json = unknown;

/** One JSON pointer segment (`~` and `/` escaped as RFC 6901 says). */
export const segment = (part: string | number): string =>
  String(part).replaceAll('~', '~0').replaceAll('/', '~1');
export const pointer = (...parts: (string | number)[]): string =>
  parts.map((part) => `/${segment(part)}`).join('');

/** The value at `key` (`a/b`) in a plain object, or undefined. */
export function valueAt(raw: Json, key: string): Json {
  let at: Json = raw;
  for (const part of key.split('/')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, Json>)[part];
  }
  return at;
}

function shown(value: Json): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The form as the file has it: text as written ("64M" stays "64M"), flags with their default. */
export function formFromRaw(specs: readonly FieldSpec[], raw: Json): FormValues {
  const form: FormValues = {};
  for (const spec of specs) {
    const value = valueAt(raw, spec.key);
    if (spec.kind === 'flag') form[spec.key] = typeof value === 'boolean' ? value : (spec.defaultOn ?? false);
    else if (spec.kind === 'yesNo') form[spec.key] = value === true ? 'yes' : value === false ? 'no' : '';
    else form[spec.key] = shown(value);
  }
  return form;
}

/** A field's JSON value; undefined: not written (its default applies). */
export function jsonOf(spec: FieldSpec, value: FormValue | undefined): Json {
  if (spec.kind === 'flag') return value === true;
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') return undefined;
  if (spec.kind === 'yesNo') return text === 'yes';
  // A count that is not a whole number is sent as typed: the host names the field and the fix.
  if (spec.kind === 'count') return /^\d+$/.test(text) ? Number(text) : text;
  return text;
}

function unchanged(spec: FieldSpec, before: Json, value: FormValue | undefined): boolean {
  if (spec.kind === 'flag') {
    const was = typeof before === 'boolean' ? before : (spec.defaultOn ?? false);
    return was === (value === true);
  }
  if (spec.kind === 'yesNo')
    return (before === undefined ? undefined : before === true) === jsonOf(spec, value);
  // "64M" written and "64M" in the form; 4 written and "4" typed.
  return shown(before) === (typeof value === 'string' ? value.trim() : '');
}

/** The edits that turn `raw` (the section as written, at `base`) into the form: changed fields only. */
export function editsFor(
  base: string,
  specs: readonly FieldSpec[],
  raw: Json,
  form: FormValues,
): SettingEdit[] {
  const edits: SettingEdit[] = [];
  for (const spec of specs) {
    const before = valueAt(raw, spec.key);
    const value = form[spec.key];
    if (unchanged(spec, before, value)) continue;
    const path = `${base}/${spec.key.split('/').map(segment).join('/')}`;
    const json = jsonOf(spec, value);
    // A flag left at its default is removed rather than written out.
    const atDefault = spec.kind === 'flag' && json === (spec.defaultOn ?? false);
    if (json === undefined || atDefault) {
      if (before !== undefined) edits.push({ path });
    } else edits.push({ path, value: json });
  }
  return edits;
}

/** A new entry (folder, destination) from its form: the fields filled in, nested by key. */
export function entryFrom(specs: readonly FieldSpec[], form: FormValues): Record<string, Json> {
  const entry: Record<string, Json> = {};
  for (const spec of specs) {
    const json = jsonOf(spec, form[spec.key]);
    if (json === undefined) continue;
    if (spec.kind === 'flag' && json === (spec.defaultOn ?? false)) continue;
    const parts = spec.key.split('/');
    let at = entry;
    for (const part of parts.slice(0, -1)) {
      at[part] ??= {};
      at = at[part] as Record<string, Json>;
    }
    at[parts[parts.length - 1] as string] = json;
  }
  return entry;
}

export interface IssuesByField {
  /** By field key. */
  byField: Map<string, ConfigIssueMessage[]>;
  /** Problems no field of this form owns (another section, a rule naming a removed destination…). */
  other: ConfigIssueMessage[];
}

/**
 * Puts each issue under the field it names. `bases` are the pointers the form's fields live under
 * (a new folder's issues may name `/folders/-` or the index it will get). An issue about a field
 * itself or inside it (`objectLock/days`) goes to that field; one about a group the fields are part
 * of (`objectLock` when mode and days are fields) goes to the group's first field.
 */
export function issuesByField(
  issues: readonly ConfigIssueMessage[],
  bases: readonly string[],
  specs: readonly FieldSpec[],
): IssuesByField {
  const byField = new Map<string, ConfigIssueMessage[]>();
  const other: ConfigIssueMessage[] = [];
  for (const issue of issues) {
    const key = fieldOf(issue.path, bases, specs);
    if (key === undefined) other.push(issue);
    else byField.set(key, [...(byField.get(key) ?? []), issue]);
  }
  return { byField, other };
}

function fieldOf(path: string, bases: readonly string[], specs: readonly FieldSpec[]): string | undefined {
  for (const base of bases) {
    if (!path.startsWith(`${base}/`)) continue;
    const rel = path.slice(base.length + 1);
    const keyPath = (spec: FieldSpec) => spec.key.split('/').map(segment).join('/');
    const owner = specs
      .filter((spec) => rel === keyPath(spec) || rel.startsWith(`${keyPath(spec)}/`))
      .sort((a, b) => b.key.length - a.key.length)[0];
    if (owner) return owner.key;
    const group = specs.find((spec) => keyPath(spec).startsWith(`${rel}/`));
    if (group) return group.key;
  }
  return undefined;
}

/** The save was refused because the site file changed on disk since the form was filled in. */
export function isStaleRefusal(result: {
  ok: boolean;
  issues: readonly ConfigIssueMessage[];
  message?: string;
  stale?: boolean;
}): boolean {
  if (result.ok) return false;
  if (result.stale === true) return true;
  const words = /changed (on disk )?since|changed on disk|newer (site )?file|revision/i;
  return (
    (result.message !== undefined && words.test(result.message)) ||
    result.issues.some((issue) => words.test(issue.message))
  );
}
