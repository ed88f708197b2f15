import * as v from 'valibot';
import { configIssueSchema } from './views.ts';

/**
 * Editing the site's settings from the UI (capture folders, destinations, uploads, retention, disk
 * guard). The host applies a list of edits to the site file, validates the result exactly as
 * `edge-capture validate` does, writes it back with the admin's comments and layout kept, and applies
 * it to the running engine without a restart. A rejected change leaves file and engine as they were.
 */

/** A JSON pointer into the site file: `/upload/concurrency`, `/folders/1/path`, `/folders/-` (append). */
export const settingPointerSchema = v.pipe(
  v.string(),
  v.maxLength(400),
  v.regex(/^(\/[^/]{1,200}){1,8}$/, 'a setting is named by a JSON pointer such as /upload/concurrency'),
  v.check((p) => !/^\/rules(\/|$)/.test(p), 'rules are edited in the Rules view (rules.update), not here'),
);

const MAX_DEPTH = 6;
function jsonValue(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value === 'string') return value.length <= 4096;
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) return value.length <= 200 && value.every((item) => jsonValue(item, depth + 1));
  if (typeof value === 'object') {
    const entries = Object.entries(value as object);
    return (
      entries.length <= 100 && entries.every(([key, item]) => key.length <= 200 && jsonValue(item, depth + 1))
    );
  }
  return false;
}

/** A plain JSON value (strings ≤ 4 KiB, ≤ 6 levels deep): a scalar, or a folder or destination entry. */
export const settingValueSchema = v.custom<unknown>(
  (value) => jsonValue(value, 0),
  'a setting value is a string, number, boolean, or a small object or list of them',
);

export const settingEditSchema = v.strictObject({
  path: settingPointerSchema,
  /** Left out: the setting is removed from the file (it goes back to its default). */
  value: v.optional(settingValueSchema),
});
export type SettingEdit = v.InferOutput<typeof settingEditSchema>;

const edits = v.pipe(v.array(settingEditSchema), v.minLength(1), v.maxLength(100));

/** What one edit changes in the running engine, in operator words ("Files at once: 4 → 8"). */
export const settingChangeSchema = v.object({
  /** The section: folders, destinations, upload, retention, diskGuard, bandwidth, site. */
  section: v.string(),
  words: v.string(),
});
export type SettingChange = v.InferOutput<typeof settingChangeSchema>;

export const settingsCheckResultSchema = v.object({
  ok: v.boolean(),
  /** Each problem names its field (`path`, a JSON pointer into the site file) and the fix. */
  issues: v.array(configIssueSchema),
  warnings: v.array(v.string()),
  /** What would change, in words (empty when nothing would). */
  changes: v.array(settingChangeSchema),
});

export const settingsSavedSchema = v.object({
  ok: v.boolean(),
  issues: v.array(configIssueSchema),
  warnings: v.array(v.string()),
  changes: v.array(settingChangeSchema),
  /** Written into the site file (comments and layout kept). */
  saved: v.boolean(),
  /** Applied to the running engine (false: nothing changed, or it was refused and rolled back). */
  applied: v.boolean(),
  /** Refused because the site file changed on disk since `revision` (reload, then edit again). */
  stale: v.optional(v.boolean()),
  /** The site file's revision after the save (send it with the next edit). */
  revision: v.optional(v.string()),
  /** One sentence on what happened, for the operator. */
  message: v.string(),
});
export type SettingsSaved = v.InferOutput<typeof settingsSavedSchema>;

export const SITE_EDIT_REQUESTS = {
  /** Validates edits to the site file as `edge-capture validate` would; nothing is written or applied. */
  'settings.check': { params: v.strictObject({ edits }), result: settingsCheckResultSchema },
  /**
   * Applies edits: validated, written into the site file (comments kept), applied to the running
   * engine without a restart. `revision` (from settings.get) refuses the save when the file changed
   * on disk since the form was filled in.
   */
  'settings.update': {
    params: v.strictObject({ edits, revision: v.optional(v.pipe(v.string(), v.maxLength(200))) }),
    result: settingsSavedSchema,
  },
} as const;
