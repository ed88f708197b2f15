import os from 'node:os';
import path from 'node:path';
import type { EngineConfig, FolderConfig } from '../../../shared/config.ts';
import type { RuleAction } from '../../../shared/status.ts';
import { compileRulesInto } from '../rules/compile.ts';
import { checkConfig } from './checks.ts';
import { IssueList } from './errors.ts';
import { notADuration, notASize } from './messages.ts';
import { PII_DETECTORS } from './pii-detectors.ts';
import { checkSchema } from './schema-check.ts';
import { resolveTransfer } from './transfer.ts';
import {
  type CoreConfig,
  DEFAULT_KEY_TEMPLATE,
  DEFAULT_TEMP_PREFIXES,
  DEFAULT_TEMP_SUFFIXES,
  type ResolvedConfig,
  type ResolvedFolder,
} from './types.ts';
import { parseDuration, parseSize } from './units.ts';

export interface ResolveOptions {
  /** Directory relative paths are resolved against; defaults to the source file's directory. */
  baseDir?: string;
}

const DEFAULT_REASONS: Record<RuleAction, string> = {
  skip: 'No rule matched; the site default is to keep files local',
  upload: 'No rule matched; the site default is to upload',
  hold: 'No rule matched; the site default is to hold files for review',
  quarantine: 'No rule matched; the site default is to quarantine files',
};

/** Validates a parsed config document and applies every default. Throws ConfigError listing all problems. */
export function resolveConfig(doc: unknown, source: string, opts: ResolveOptions = {}): ResolvedConfig {
  const issues = new IssueList(source);
  const config = validateAndResolve(doc, source, opts, issues);
  issues.throwIfAny();
  return config as ResolvedConfig;
}

/** Schema, then defaults and units, then cross-checks and the rule compiler; problems go to `issues`. */
export function validateAndResolve(
  doc: unknown,
  source: string,
  opts: ResolveOptions,
  issues: IssueList,
): ResolvedConfig | undefined {
  checkSchema(doc, issues);
  if (!issues.empty) return undefined;
  // "(inline)", "(built-in demo config)": a label, not a file.
  const inline = source.startsWith('(');
  const baseDir = opts.baseDir ?? (inline ? process.cwd() : path.dirname(path.resolve(source)));
  const base = applyDefaults(doc as EngineConfig, inline ? source : path.resolve(source), baseDir, issues);
  checkConfig(base, issues);
  const config = resolveTransfer(base, baseDir, issues);
  if (!config) return undefined;
  compileRulesInto(config, issues);
  return issues.empty ? config : undefined;
}

function resolvePath(baseDir: string, value: string): string {
  if (value === '~') return os.homedir();
  if (value.startsWith('~/')) return path.join(os.homedir(), value.slice(2));
  return path.resolve(baseDir, value);
}

/** Plugins may be package names; only path-like entries are resolved against the config directory. */
function resolvePlugin(baseDir: string, value: string): string {
  const pathLike =
    value.startsWith('.') || value.startsWith('~') || path.isAbsolute(value) || /\.[cm]?[jt]s$/.test(value);
  return pathLike ? resolvePath(baseDir, value) : value;
}

function applyDefaults(doc: EngineConfig, source: string, baseDir: string, issues: IssueList): CoreConfig {
  const size = (value: unknown, at: string, fallback: number): number => {
    if (value === undefined) return fallback;
    const bytes = parseSize(value);
    if (bytes === undefined) issues.add(at, notASize(value).message, notASize(value).hint);
    return bytes ?? fallback;
  };
  const duration = (value: unknown, at: string, fallback: number): number => {
    if (value === undefined) return fallback;
    const ms = parseDuration(value);
    if (ms === undefined) issues.add(at, notADuration(value).message, notADuration(value).hint);
    return ms ?? fallback;
  };
  const device = doc.device ?? os.hostname();
  const folder = (f: FolderConfig, i: number): ResolvedFolder => {
    const at = `/folders/${i}`;
    const folderPath = resolvePath(baseDir, f.path);
    return {
      id: f.id ?? path.basename(folderPath),
      path: folderPath,
      recursive: f.recursive ?? true,
      polling: f.polling ?? false,
      pollIntervalMs: duration(f.pollInterval, `${at}/pollInterval`, 1000),
      completion: f.completion ?? 'auto',
      stableWindowMs: duration(f.stableWindow, `${at}/stableWindow`, 2000),
      tempSuffixes: f.tempSuffixes ?? [...DEFAULT_TEMP_SUFFIXES],
      tempPrefixes: f.tempPrefixes ?? [...DEFAULT_TEMP_PREFIXES],
      ignoreDotfiles: f.ignoreDotfiles ?? true,
      ignore: f.ignore ?? [],
      device: f.device ?? device,
      symlinks: f.symlinks ?? 'inside',
    };
  };
  const pii = doc.inspect?.pii;
  const defaultAction = doc.defaultAction?.action ?? 'skip';
  return {
    source,
    site: doc.site,
    device,
    dataDir:
      doc.dataDir === undefined ? path.join(baseDir, '.edge-capture') : resolvePath(baseDir, doc.dataDir),
    folders: doc.folders.map(folder),
    reconcileIntervalMs: duration(doc.reconcileInterval, '/reconcileInterval', 5 * 60_000),
    inspect: {
      sidecarPattern: doc.inspect?.sidecarPattern ?? '{stem}.pred.json',
      maxFileSize: size(doc.inspect?.maxFileSize, '/inspect/maxFileSize', 5 * 1024 ** 3),
      pii: {
        enabled: pii?.enabled ?? true,
        maxScanBytes: size(pii?.maxScanBytes, '/inspect/pii/maxScanBytes', 1024 ** 2),
        detectors: pii?.detectors ?? [...PII_DETECTORS],
        custom: pii?.custom ?? [],
      },
      plugins: (doc.inspect?.plugins ?? []).map((plugin) => resolvePlugin(baseDir, plugin)),
    },
    duplicatePolicy: doc.duplicates?.policy ?? 'skip',
    rules: doc.rules ?? [],
    defaultAction: {
      action: defaultAction,
      reason: doc.defaultAction?.reason ?? DEFAULT_REASONS[defaultAction],
      ...(doc.defaultAction?.key !== undefined ? { key: doc.defaultAction.key } : {}),
      ...(doc.defaultAction?.to !== undefined ? { to: doc.defaultAction.to } : {}),
    },
    defaultKey: doc.defaultKey ?? DEFAULT_KEY_TEMPLATE,
    durability: doc.durability ?? 'normal',
    raw: { ...doc, rules: doc.rules ?? [] },
    warnings: [],
  };
}
