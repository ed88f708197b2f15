import os from 'node:os';
import path from 'node:path';
import type { RetentionConfig } from '../../../shared/upload-config.ts';
import { notADuration, notASize, show } from '../config/messages.ts';
import { durationSchema as anyDuration, sizeSchema as anySize, type Schema } from '../config/schema-parts.ts';

const sizeSchema = (description: string): Schema => anySize(description, '"500MiB", "200GiB"');
const durationSchema = (description: string): Schema => anyDuration(description, '"30s", "5m", "12h", "7d"');

import { didYouMean } from '../config/suggest.ts';
import type { ResolvedFolder } from '../config/types.ts';
import { parseDuration, parseSize } from '../config/units.ts';
import {
  AFTER_UPLOAD_CHOICES,
  type AfterUpload,
  afterUploadsInForce,
  type RetentionScopeConfig,
  resolveScopes,
  type ScopedRetention,
} from './scopes.ts';

export { AFTER_UPLOAD_CHOICES, type AfterUpload };
export type WhenFull = 'pause' | 'drop-newest' | 'delete-oldest';
export const WHEN_FULL_CHOICES: readonly WhenFull[] = ['pause', 'drop-newest', 'delete-oldest'];

export interface DiskGuardSettings {
  /** On only when a limit (maxBytes or minFreeBytes) is set. */
  enabled: boolean;
  maxBytes?: number;
  minFreeBytes?: number;
  checkIntervalMs: number;
  whenFull: WhenFull;
}

/** Retention with every default applied and every unit resolved (ms, bytes, absolute paths). */
export interface RetentionSettings {
  afterUpload: AfterUpload;
  archiveDir: string;
  /** Kept or archived copies are deleted this long after their upload was confirmed; undefined: never. */
  keepForMs?: number;
  diskGuard: DiskGuardSettings;
  /** Per-folder and per-rule overrides (absent when there are none); see scopes.ts. */
  scoped?: ScopedRetention[];
}

export interface RetentionIssue {
  /** JSON pointer into the config document, e.g. `/retention/keepFor`. */
  path: string;
  message: string;
  hint: string;
}

const DEFAULT_CHECK_INTERVAL_MS = 60_000;
/** Checking the disk more often than this only burns CPU; a typo like "5" (ms) is far more likely. */
const MIN_CHECK_INTERVAL_MS = 1000;
const RETENTION_KEYS = ['afterUpload', 'archiveDir', 'keepFor', 'diskGuard'];
const DISK_GUARD_KEYS = ['maxBytes', 'minFreeBytes', 'checkInterval', 'whenFull'];

/**
 * Applies defaults. Relative archiveDir paths are resolved against baseDir (the config file's
 * folder; defaults to dataDir). Throws, naming every bad field, when raw has problems. `scopes`:
 * the folders' and rules' own retention (checked by scopeIssues).
 */
export function resolveRetentionSettings(
  raw: RetentionConfig | undefined,
  dataDir: string,
  baseDir: string = dataDir,
  scopes?: RetentionScopeConfig,
): RetentionSettings {
  const issues = retentionConfigIssues(raw);
  if (issues.length > 0) {
    const lines = issues.map((issue) => `  ${issue.path}: ${issue.message} ${issue.hint}`);
    throw new Error(`The retention settings have ${issues.length} problem(s):\n${lines.join('\n')}`);
  }
  const guard = raw?.diskGuard;
  const maxBytes = guard?.maxBytes === undefined ? undefined : parseSize(guard.maxBytes);
  const minFreeBytes = guard?.minFreeBytes === undefined ? undefined : parseSize(guard.minFreeBytes);
  const scoped = resolveScopes(scopes);
  return {
    afterUpload: raw?.afterUpload ?? 'keep',
    archiveDir:
      raw?.archiveDir === undefined ? path.join(dataDir, 'archive') : resolvePath(baseDir, raw.archiveDir),
    keepForMs: raw?.keepFor === undefined ? undefined : parseDuration(raw.keepFor),
    diskGuard: {
      enabled: maxBytes !== undefined || minFreeBytes !== undefined,
      maxBytes,
      minFreeBytes,
      checkIntervalMs:
        guard?.checkInterval === undefined
          ? DEFAULT_CHECK_INTERVAL_MS
          : (parseDuration(guard.checkInterval) ?? DEFAULT_CHECK_INTERVAL_MS),
      whenFull: guard?.whenFull ?? 'pause',
    },
    ...(scoped.length > 0 ? { scoped } : {}),
  };
}

function resolvePath(baseDir: string, value: string): string {
  if (value === '~') return os.homedir();
  if (value.startsWith('~/')) return path.join(os.homedir(), value.slice(2));
  return path.resolve(baseDir, value);
}

/** Every problem in the `retention` section, in operator words. Empty when it is fine (or absent). */
export function retentionConfigIssues(raw: unknown): RetentionIssue[] {
  const issues: RetentionIssue[] = [];
  const add = (at: string, message: string, hint: string) => issues.push({ path: at, message, hint });
  if (raw === undefined) return issues;
  if (!isMapping(raw)) {
    add(
      '/retention',
      `retention must be a mapping, not ${show(raw)}.`,
      'Write keys like "afterUpload: delete" under it.',
    );
    return issues;
  }
  unknownKeys(raw, RETENTION_KEYS, '/retention', add);
  if (raw.afterUpload !== undefined && !AFTER_UPLOAD_CHOICES.includes(raw.afterUpload as AfterUpload)) {
    add(
      '/retention/afterUpload',
      `${show(raw.afterUpload)} is not a choice for afterUpload.`,
      `${didYouMean(String(raw.afterUpload), AFTER_UPLOAD_CHOICES)}Use one of: ${AFTER_UPLOAD_CHOICES.join(', ')}.`,
    );
  }
  if (raw.archiveDir !== undefined && (typeof raw.archiveDir !== 'string' || raw.archiveDir.trim() === '')) {
    add(
      '/retention/archiveDir',
      `${show(raw.archiveDir)} is not a folder path.`,
      'Give a folder, e.g. "/data/archive".',
    );
  }
  if (raw.keepFor !== undefined && parseDuration(raw.keepFor) === undefined) {
    add(
      '/retention/keepFor',
      notADuration(raw.keepFor).message,
      `${notADuration(raw.keepFor).hint} For a week: "7d".`,
    );
  }
  if (raw.diskGuard !== undefined) diskGuardIssues(raw.diskGuard, add);
  return issues;
}

function diskGuardIssues(guard: unknown, add: (at: string, message: string, hint: string) => void): void {
  const at = '/retention/diskGuard';
  if (!isMapping(guard)) {
    add(
      at,
      `diskGuard must be a mapping, not ${show(guard)}.`,
      'Write keys like "minFreeBytes: 5GiB" under it.',
    );
    return;
  }
  unknownKeys(guard, DISK_GUARD_KEYS, at, add);
  for (const key of ['maxBytes', 'minFreeBytes'] as const) {
    if (guard[key] !== undefined && parseSize(guard[key]) === undefined) {
      add(`${at}/${key}`, notASize(guard[key]).message, notASize(guard[key]).hint);
    }
  }
  if (guard.maxBytes !== undefined && parseSize(guard.maxBytes) === 0) {
    add(
      `${at}/maxBytes`,
      'maxBytes is 0: the capture folders could hold nothing.',
      'Give the most they may hold, e.g. "200GiB".',
    );
  }
  if (guard.checkInterval !== undefined) {
    const ms = parseDuration(guard.checkInterval);
    if (ms === undefined) {
      add(
        `${at}/checkInterval`,
        notADuration(guard.checkInterval).message,
        notADuration(guard.checkInterval).hint,
      );
    } else if (ms < MIN_CHECK_INTERVAL_MS) {
      add(
        `${at}/checkInterval`,
        `checkInterval ${show(guard.checkInterval)} is shorter than 1 second.`,
        'Use "1s" or more, e.g. "1m" (plain numbers are milliseconds).',
      );
    }
  }
  if (guard.whenFull !== undefined && !WHEN_FULL_CHOICES.includes(guard.whenFull as WhenFull)) {
    add(
      `${at}/whenFull`,
      `${show(guard.whenFull)} is not a choice for whenFull.`,
      `${didYouMean(String(guard.whenFull), WHEN_FULL_CHOICES)}Use one of: ${WHEN_FULL_CHOICES.join(', ')}.`,
    );
  }
  if (guard.maxBytes === undefined && guard.minFreeBytes === undefined) {
    add(
      at,
      'diskGuard sets no limit, so it would never act.',
      'Add maxBytes (e.g. "200GiB") or minFreeBytes (e.g. "5GiB"), or remove diskGuard.',
    );
  }
}

/**
 * An archive inside a capture folder would be captured again (and archived again, forever); a capture
 * folder inside the archive would have its archived copies captured. Returns the problem, if any.
 */
export function archiveDirIssue(
  settings: RetentionSettings,
  folders: readonly ResolvedFolder[],
): RetentionIssue | undefined {
  if (!afterUploadsInForce(settings.afterUpload, settings.scoped).includes('archive')) return undefined;
  for (const folder of folders) {
    if (isInside(settings.archiveDir, folder.path) || isInside(folder.path, settings.archiveDir)) {
      return {
        path: '/retention/archiveDir',
        message: `The archive folder ${settings.archiveDir} overlaps the capture folder ${folder.path} ("${folder.id}"): archived files would be captured again.`,
        hint: 'Choose an archive folder outside every capture folder, e.g. next to it.',
      };
    }
  }
  return undefined;
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(path.resolve(parent), path.resolve(child));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(
  value: Record<string, unknown>,
  known: readonly string[],
  at: string,
  add: (at: string, message: string, hint: string) => void,
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      add(
        `${at}/${key}`,
        `"${key}" is not a setting here.`,
        `${didYouMean(key, known)}Known settings: ${known.join(', ')}.`,
      );
    }
  }
}

/** JSON Schema (draft-07) for the `retention` section, to replace its open placeholder in the main schema. */
export const RETENTION_SCHEMA: Schema = {
  type: 'object',
  description: 'What happens to local copies after a confirmed upload, and how a full disk is handled.',
  additionalProperties: false,
  properties: {
    afterUpload: {
      type: 'string',
      enum: [...AFTER_UPLOAD_CHOICES],
      description:
        'After a confirmed upload: keep the local copy (default), delete it, or archive it (move it to archiveDir).',
    },
    archiveDir: {
      type: 'string',
      minLength: 1,
      description:
        'Folder archived files are moved to, as <archiveDir>/<folder id>/<path>. Default: <dataDir>/archive. Must be outside every capture folder.',
    },
    keepFor: durationSchema(
      'Kept or archived copies are deleted this long after their upload was confirmed. Default: kept until the disk guard needs the space.',
    ),
    diskGuard: {
      type: 'object',
      description: 'Protects the capture disk. Off unless maxBytes or minFreeBytes is set.',
      additionalProperties: false,
      properties: {
        maxBytes: sizeSchema('Most bytes the capture folders may hold (files the queue still has on disk).'),
        minFreeBytes: sizeSchema('Least free space to keep on each capture folder’s disk.'),
        checkInterval: durationSchema('How often the disk is checked (default 1m, at least 1s).'),
        whenFull: {
          type: 'string',
          enum: [...WHEN_FULL_CHOICES],
          description:
            'When deleting already-uploaded copies is not enough: pause capture (default), drop-newest (new files are not taken in), or delete-oldest (delete files that were NOT uploaded, oldest first; explicit opt-in to data loss).',
        },
      },
    },
  },
};
