import type { RetentionOverrideConfig } from '../../../shared/upload-config.ts';
import { notADuration, show } from '../config/messages.ts';
import { durationSchema, objectSchema, type Schema } from '../config/schema-parts.ts';
import { didYouMean } from '../config/suggest.ts';
import { parseDuration } from '../config/units.ts';

/**
 * Retention per capture folder and per rule ("delete uploaded CSVs, keep camera frames a week").
 * Each setting is resolved on its own, most specific first: the rule that decided the file, then
 * the file's folder, then the site's `retention` section.
 */

export type AfterUpload = 'keep' | 'delete' | 'archive';
export const AFTER_UPLOAD_CHOICES: readonly AfterUpload[] = ['keep', 'delete', 'archive'];

/** What retention does with one file's local copy. */
export interface RetentionPolicy {
  afterUpload: AfterUpload;
  /** Kept or archived copies are deleted this long after upload; undefined: never. */
  keepForMs?: number;
}

/** A folder's or a rule's settings; what is left out comes from the next level. */
export interface ScopedRetention {
  scope: 'rule' | 'folder';
  /** The rule's name or the folder's id. */
  name: string;
  afterUpload?: AfterUpload;
  keepForMs?: number;
}

/** Where overrides are written in the config, by folder id and rule name, in document order. */
export interface RetentionScopeConfig {
  folders: readonly { id: string; retention?: RetentionOverrideConfig }[];
  rules: readonly { name: string; retention?: RetentionOverrideConfig }[];
}

export interface ScopeIssue {
  path: string;
  message: string;
  hint: string;
}

const OVERRIDE_KEYS = ['afterUpload', 'keepFor'];

export function resolveScopes(config: RetentionScopeConfig | undefined): ScopedRetention[] {
  const scoped: ScopedRetention[] = [];
  const add = (scope: ScopedRetention['scope'], name: string, raw: RetentionOverrideConfig | undefined) => {
    if (raw === undefined) return;
    const keepForMs = raw.keepFor === undefined ? undefined : parseDuration(raw.keepFor);
    scoped.push({
      scope,
      name,
      ...(raw.afterUpload !== undefined ? { afterUpload: raw.afterUpload } : {}),
      ...(keepForMs !== undefined ? { keepForMs } : {}),
    });
  };
  for (const rule of config?.rules ?? []) add('rule', rule.name, rule.retention);
  for (const folder of config?.folders ?? []) add('folder', folder.id, folder.retention);
  return scoped;
}

/** The policy for a file from this folder, decided by this rule: rule > folder > site, setting by setting. */
export function policyFor(
  site: RetentionPolicy,
  scoped: readonly ScopedRetention[] | undefined,
  folderId: string,
  rule: string | undefined,
): RetentionPolicy {
  if (!scoped?.length) return { afterUpload: site.afterUpload, keepForMs: site.keepForMs };
  const byRule = rule === undefined ? undefined : scoped.find((s) => s.scope === 'rule' && s.name === rule);
  const byFolder = scoped.find((s) => s.scope === 'folder' && s.name === folderId);
  return {
    afterUpload: byRule?.afterUpload ?? byFolder?.afterUpload ?? site.afterUpload,
    keepForMs: byRule?.keepForMs ?? byFolder?.keepForMs ?? site.keepForMs,
  };
}

/** Every afterUpload in force somewhere: the site's and each override's. */
export function afterUploadsInForce(
  site: AfterUpload,
  scoped: readonly ScopedRetention[] = [],
): AfterUpload[] {
  return [site, ...scoped.flatMap((s) => (s.afterUpload ? [s.afterUpload] : []))];
}

/**
 * SQL conditions that split the files into groups sharing one keepFor, so the expiry sweep asks
 * the database for each group with its own cutoff instead of reading every kept file.
 */
export interface ExpiryGroup {
  where: string;
  params: string[];
  keepForMs: number;
  /** "rule csv", "folder cam", "site": for the history line. */
  source: string;
}

export function expiryGroups(site: RetentionPolicy, scoped: readonly ScopedRetention[] = []): ExpiryGroup[] {
  const rules = scoped.filter((s) => s.scope === 'rule' && s.keepForMs !== undefined);
  const folders = scoped.filter((s) => s.scope === 'folder' && s.keepForMs !== undefined);
  const notRules = rules.length ? [`(rule IS NULL OR rule NOT IN (${rules.map(() => '?').join(', ')}))`] : [];
  const ruleNames = rules.map((r) => r.name);
  const groups: ExpiryGroup[] = rules.map((r) => ({
    where: 'rule = ?',
    params: [r.name],
    keepForMs: r.keepForMs!,
    source: `rule "${r.name}"`,
  }));
  for (const folder of folders) {
    groups.push({
      where: ['folder_id = ?', ...notRules].join(' AND '),
      params: [folder.name, ...ruleNames],
      keepForMs: folder.keepForMs!,
      source: `folder "${folder.name}"`,
    });
  }
  if (site.keepForMs !== undefined) {
    const notFolders = folders.length ? [`folder_id NOT IN (${folders.map(() => '?').join(', ')})`] : [];
    groups.push({
      where: [...notFolders, ...notRules].join(' AND ') || '1 = 1',
      params: [...folders.map((f) => f.name), ...ruleNames],
      keepForMs: site.keepForMs,
      source: 'site',
    });
  }
  return groups;
}

/** Problems in the folders' and rules' `retention` mappings, in operator words. */
export function scopeIssues(config: RetentionScopeConfig | undefined): ScopeIssue[] {
  const issues: ScopeIssue[] = [];
  for (const [i, rule] of (config?.rules ?? []).entries()) {
    overrideIssues(rule.retention, `/rules/${i}/retention`, issues);
  }
  for (const [i, folder] of (config?.folders ?? []).entries()) {
    overrideIssues(folder.retention, `/folders/${i}/retention`, issues);
  }
  return issues;
}

function overrideIssues(raw: unknown, at: string, issues: ScopeIssue[]): void {
  const add = (path: string, message: string, hint: string) => issues.push({ path, message, hint });
  if (raw === undefined) return;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    add(
      at,
      `retention must be a mapping, not ${show(raw)}.`,
      'Write e.g. "retention: { afterUpload: delete }".',
    );
    return;
  }
  const value = raw as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    if (!OVERRIDE_KEYS.includes(key)) {
      add(
        `${at}/${key}`,
        `"${key}" cannot be set per folder or rule.`,
        `${didYouMean(key, OVERRIDE_KEYS)}Only afterUpload and keepFor can; archiveDir and diskGuard are site-wide.`,
      );
    }
  }
  if (value.afterUpload !== undefined && !AFTER_UPLOAD_CHOICES.includes(value.afterUpload as AfterUpload)) {
    add(
      `${at}/afterUpload`,
      `${show(value.afterUpload)} is not a choice for afterUpload.`,
      `${didYouMean(String(value.afterUpload), AFTER_UPLOAD_CHOICES)}Use one of: ${AFTER_UPLOAD_CHOICES.join(', ')}.`,
    );
  }
  if (value.keepFor !== undefined && parseDuration(value.keepFor) === undefined) {
    add(
      `${at}/keepFor`,
      notADuration(value.keepFor).message,
      `${notADuration(value.keepFor).hint} For a week: "7d".`,
    );
  }
}

/** JSON Schema for a folder's or rule's `retention` mapping. */
export const RETENTION_OVERRIDE_SCHEMA: Schema = objectSchema(
  'What happens to these files after upload, overriding the site retention (a rule overrides its folder). Settings left out come from the next level.',
  {
    afterUpload: {
      type: 'string',
      enum: [...AFTER_UPLOAD_CHOICES],
      description: 'keep the local copy, delete it, or archive it (to the site archiveDir).',
    },
    keepFor: durationSchema(
      'Kept or archived copies are deleted this long after upload.',
      '"12h", "7d", "30d"',
    ),
  },
);
