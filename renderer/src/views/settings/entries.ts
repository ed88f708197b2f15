import type { DestinationDraft, SettingEdit } from '../../../../shared/contract/index.ts';
import { editsFor, entryFrom, type FieldSpec, type FormValues, jsonOf, pointer, valueAt } from './edits.ts';
import { OBJECT_LOCK_DAYS, OBJECT_LOCK_MODE } from './fields.ts';

/**
 * Folders and destinations in the site file: where each one is written, and the edits that change,
 * add or remove one. Pure, like edits.ts.
 */

export type SiteFile = Record<string, unknown>;
type Entry = Record<string, unknown>;

const entries = (file: SiteFile, key: string): Entry[] => {
  const list = file[key];
  return Array.isArray(list) ? (list as Entry[]) : [];
};

const baseName = (path: string) =>
  path
    .replace(/[/\\]+$/, '')
    .split(/[/\\]/)
    .pop() ?? path;

/** Where a capture folder is written: its index in `folders` (matched by id, as the engine names it). */
export function folderPlace(file: SiteFile, id: string): { base: string; entry: Entry } | undefined {
  const folders = entries(file, 'folders');
  const index = folders.findIndex((f) => (typeof f.id === 'string' ? f.id : baseName(String(f.path))) === id);
  const entry = folders[index];
  return entry ? { base: pointer('folders', index), entry } : undefined;
}

export const addFolderEdits = (entry: Entry): SettingEdit[] => [{ path: '/folders/-', value: entry }];

export function removeFolderEdits(file: SiteFile, id: string): SettingEdit[] {
  const place = folderPlace(file, id);
  return place ? [{ path: place.base }] : [];
}

/** Where a destination is written: `destinations[i]` by name, or the single `destination:`. */
export function destinationPlace(file: SiteFile, name: string): { base: string; entry: Entry } | undefined {
  const list = entries(file, 'destinations');
  const index = list.findIndex((d) => d.name === name);
  if (index >= 0) return { base: pointer('destinations', index), entry: list[index] as Entry };
  const single = file.destination;
  if (single && typeof single === 'object' && ((single as Entry).name ?? 'default') === name) {
    return { base: '/destination', entry: single as Entry };
  }
  return undefined;
}

const isLockField = (spec: FieldSpec) => spec.key.startsWith('objectLock/');

/** Object Lock as one object: mode and days together, or removed when the mode is off. */
function objectLockOf(form: FormValues): unknown {
  const mode = jsonOf(OBJECT_LOCK_MODE, form[OBJECT_LOCK_MODE.key]);
  if (mode === undefined) return undefined;
  const days = jsonOf(OBJECT_LOCK_DAYS, form[OBJECT_LOCK_DAYS.key]);
  return days === undefined ? { mode } : { mode, days };
}

/** The edits for one destination's form (Object Lock written as one object). */
export function destinationEdits(
  base: string,
  specs: readonly FieldSpec[],
  entry: Entry,
  form: FormValues,
): SettingEdit[] {
  const edits = editsFor(
    base,
    specs.filter((spec) => !isLockField(spec)),
    entry,
    form,
  );
  if (!specs.some(isLockField)) return edits;
  const before = valueAt(entry, 'objectLock');
  const after = objectLockOf(form);
  if (JSON.stringify(before ?? null) !== JSON.stringify(after ?? null)) {
    edits.push(
      after === undefined ? { path: `${base}/objectLock` } : { path: `${base}/objectLock`, value: after },
    );
  }
  return edits;
}

/** A new destination's entry from its form (name and type are fields too), Object Lock as one object. */
export function destinationEntry(specs: readonly FieldSpec[], form: FormValues): Entry {
  const entry: Entry = entryFrom(
    specs.filter((s) => !isLockField(s)),
    form,
  );
  const lock = specs.some(isLockField) ? objectLockOf(form) : undefined;
  if (lock !== undefined) entry.objectLock = lock;
  return entry;
}

/**
 * Adds a destination. A file with the single `destination:` is turned into a `destinations:` list
 * (the old one keeps its settings, named "default" unless it had a name), since only a list holds two.
 */
export function addDestinationEdits(file: SiteFile, entry: Entry): SettingEdit[] {
  if (Array.isArray(file.destinations)) return [{ path: '/destinations/-', value: entry }];
  const single = file.destination;
  if (single && typeof single === 'object') {
    const named = { name: 'default', ...(single as Entry) };
    return [{ path: '/destination' }, { path: '/destinations', value: [named, entry] }];
  }
  return [{ path: '/destinations', value: [entry] }];
}

export function removeDestinationEdits(file: SiteFile, name: string): SettingEdit[] {
  const place = destinationPlace(file, name);
  return place ? [{ path: place.base }] : [];
}

/** The form as a draft for Test connection: the edited values tried before anything is saved. */
export function draftFrom(name: string, type: string, form: FormValues): DestinationDraft | undefined {
  const text = (key: string) => {
    const value = form[key];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  if (type === 'filesystem') {
    const path = text('path');
    return path ? { type, name, path } : undefined;
  }
  if (type === 'local') {
    const path = text('path');
    return path ? { type, name, path } : { type, name };
  }
  const bucket = text('bucket');
  if (!bucket) return undefined;
  const draft: DestinationDraft = { type: 's3', name, bucket };
  for (const key of ['endpoint', 'region', 'prefix', 'caBundle', 'proxy'] as const) {
    const value = text(key);
    if (value) draft[key] = value;
  }
  const style = form.forcePathStyle;
  if (style === 'yes' || style === 'no') draft.forcePathStyle = style === 'yes';
  const lock = objectLockOf(form) as { mode: 'GOVERNANCE' | 'COMPLIANCE'; days?: unknown } | undefined;
  if (lock && typeof lock.days === 'number' && lock.days >= 1) {
    draft.objectLock = { mode: lock.mode, days: lock.days };
  }
  return draft;
}
