import type { SettingChange } from '../../shared/contract/index.ts';
import { formatBytes } from '../../shared/format.ts';
import type { DestinationConfig } from '../../shared/upload-config.ts';
import type { ResolvedConfig, ResolvedFolder } from '../engine/config/types.ts';
import { formatDuration } from '../engine/config/units.ts';
import type { ScopedRetention } from '../engine/retention/scopes.ts';
import { overrideOf, overrideWords } from './retention-words.ts';

/**
 * What a settings edit changes, in operator words ("Files at once: 4 → 8", "Capture folder cam2
 * added: /data/cam2 (watching)"), from the config the engine runs on to the one the edit makes.
 */

type Show<T> = (value: T) => string;
const plain: Show<unknown> = (value) => (value === undefined || value === null ? 'not set' : String(value));
const bytes: Show<number | undefined> = (value) => (value === undefined ? 'no limit' : formatBytes(value));
const duration: Show<number | undefined> = (value) =>
  value === undefined ? 'for good' : formatDuration(value);
const yesNo: Show<boolean | undefined> = (value) => (value ? 'yes' : 'no');

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function field<T>(
  out: SettingChange[],
  section: string,
  label: string,
  before: T,
  after: T,
  show: Show<T> = plain as Show<T>,
): void {
  if (same(before, after)) return;
  out.push({ section, words: `${label}: ${show(before)} → ${show(after)}` });
}

/** Whether each new folder exists now, to say "watching" or "waiting for it". */
export type FolderPresence = (folder: ResolvedFolder) => 'watching' | 'missing';

function folderChanges(
  before: ResolvedConfig,
  after: ResolvedConfig,
  presence: FolderPresence,
): SettingChange[] {
  const out: SettingChange[] = [];
  for (const folder of after.folders) {
    const old = before.folders.find((f) => f.id === folder.id);
    if (!old) {
      const state =
        presence(folder) === 'watching' ? 'watching' : 'not there yet: watched as soon as it appears';
      out.push({ section: 'folders', words: `Capture folder ${folder.id} added: ${folder.path} (${state})` });
      continue;
    }
    const of = `Capture folder ${folder.id}`;
    field(out, 'folders', `${of}: path`, old.path, folder.path);
    field(out, 'folders', `${of}: subfolders watched`, old.recursive, folder.recursive, yesNo);
    field(out, 'folders', `${of}: complete when`, old.completion, folder.completion);
    field(out, 'folders', `${of}: unchanged for`, old.stableWindowMs, folder.stableWindowMs, duration);
    field(out, 'folders', `${of}: polling`, old.polling, folder.polling, yesNo);
    field(out, 'folders', `${of}: device`, old.device, folder.device);
    field(out, 'folders', `${of}: links`, old.symlinks, folder.symlinks);
    const rest = (f: ResolvedFolder) => [
      f.pollIntervalMs,
      f.tempSuffixes,
      f.tempPrefixes,
      f.ignoreDotfiles,
      f.ignore,
    ];
    if (!same(rest(old), rest(folder)))
      out.push({ section: 'folders', words: `${of}: which names are ignored or temporary changed` });
  }
  for (const folder of before.folders) {
    if (after.folders.some((f) => f.id === folder.id)) continue;
    out.push({
      section: 'folders',
      words: `Capture folder ${folder.id} removed: ${folder.path} is no longer watched (files already queued from it still upload)`,
    });
  }
  return out;
}

const DESTINATION_FIELDS: [keyof DestinationConfig | string, string][] = [
  ['type', 'type'],
  ['endpoint', 'endpoint'],
  ['bucket', 'bucket'],
  ['prefix', 'prefix'],
  ['region', 'region'],
  ['path', 'folder'],
  ['forcePathStyle', 'path-style addressing'],
  ['caBundle', 'CA bundle'],
  ['proxy', 'proxy'],
  ['storageClass', 'storage class'],
  ['tagging', 'object tags'],
  ['onConflict', 'name taken'],
  ['fsync', 'sync to disk'],
];

function describe(config: DestinationConfig | undefined): string {
  if (!config || config.type === 'local') return 'the local demo store';
  if (config.type === 'filesystem') return `folder ${config.path}`;
  return `s3://${config.bucket}/${config.prefix ?? ''}${config.endpoint ? ` at ${config.endpoint}` : ''}`;
}

function destinationChanges(before: ResolvedConfig, after: ResolvedConfig): SettingChange[] {
  const out: SettingChange[] = [];
  for (const d of after.destinations) {
    const old = before.destinations.find((o) => o.name === d.name);
    if (!old) {
      const who = d.isDefault ? 'new files go there from now on' : 'rules naming it send files there';
      out.push({
        section: 'destinations',
        words: `Destination ${d.name} added: ${describe(d.config)} (${who}; files queued before keep their destinations)`,
      });
      continue;
    }
    const of = `Destination ${d.name}`;
    const a = (old.config ?? {}) as Record<string, unknown>;
    const b = (d.config ?? {}) as Record<string, unknown>;
    for (const [key, label] of DESTINATION_FIELDS)
      field(out, 'destinations', `${of}: ${label}`, a[key], b[key]);
    if (!same(a['objectLock'], b['objectLock'])) {
      const lock = (v: unknown) => {
        const l = v as { mode: string; days: number } | undefined;
        return l ? `${l.mode}, ${l.days} day(s)` : 'off';
      };
      field(out, 'destinations', `${of}: Object Lock`, a['objectLock'], b['objectLock'], lock);
    }
    if (!same(a['credentials'], b['credentials']) || a['profile'] !== b['profile'])
      out.push({ section: 'destinations', words: `${of}: credentials in the site file changed` });
    field(out, 'destinations', `${of}: key template`, old.keyTemplate, d.keyTemplate);
    field(out, 'destinations', `${of}: files at once`, old.concurrency, d.concurrency, (v) =>
      v === undefined ? "the site's" : String(v),
    );
    field(out, 'destinations', `${of}: default destination`, old.isDefault, d.isDefault, yesNo);
    field(
      out,
      'bandwidth',
      `${of}: bandwidth limit`,
      old.bandwidth?.spec ?? 'off',
      d.bandwidth?.spec ?? 'off',
    );
  }
  for (const d of before.destinations) {
    if (after.destinations.some((n) => n.name === d.name)) continue;
    out.push({
      section: 'destinations',
      words: `Destination ${d.name} removed: uploads still waiting for it go to ${after.defaultDestinations[0] ?? 'the default destination'}`,
    });
  }
  return out;
}

function uploadChanges(before: ResolvedConfig, after: ResolvedConfig): SettingChange[] {
  const out: SettingChange[] = [];
  const [a, b] = [before.upload, after.upload];
  field(out, 'bandwidth', "Site's bandwidth limit", a.bandwidth.spec, b.bandwidth.spec);
  field(out, 'upload', 'Files at once', a.concurrency, b.concurrency);
  field(out, 'upload', 'Parts of one file at once', a.partConcurrency, b.partConcurrency);
  field(out, 'upload', 'Multipart from', a.multipartThreshold, b.multipartThreshold, bytes);
  field(out, 'upload', 'Part size', a.partSize, b.partSize, bytes);
  field(out, 'upload', 'Attempts before quarantine', a.maxAttempts, b.maxAttempts);
  field(out, 'upload', 'First wait after a failure', a.backoff.initialMs, b.backoff.initialMs, duration);
  field(out, 'upload', 'Longest wait between attempts', a.backoff.maxMs, b.backoff.maxMs, duration);
  field(out, 'upload', 'Upload order', a.order, b.order, (v) =>
    v === 'newest' ? 'newest first' : 'oldest first',
  );
  field(out, 'upload', 'Offline check every', a.offlineProbeIntervalMs, b.offlineProbeIntervalMs, duration);
  field(out, 'upload', 'Request timeout', a.requestTimeoutMs, b.requestTimeoutMs, duration);
  field(out, 'upload', 'Prediction sidecars uploaded', a.sidecars, b.sidecars, yesNo);
  field(
    out,
    'upload',
    'Default destinations',
    before.defaultDestinations.join(', '),
    after.defaultDestinations.join(', '),
  );
  return out;
}

function retentionChanges(before: ResolvedConfig, after: ResolvedConfig): SettingChange[] {
  const out: SettingChange[] = [];
  const [a, b] = [before.retention, after.retention];
  field(out, 'retention', 'After upload', a.afterUpload, b.afterUpload);
  field(out, 'retention', 'Keep local copies for', a.keepForMs, b.keepForMs, duration);
  field(out, 'retention', 'Archive folder', a.archiveDir, b.archiveDir);
  // Each folder or rule whose own retention changed, by name, in words.
  const named = new Map<string, ScopedRetention['scope']>();
  for (const s of [...(a.scoped ?? []), ...(b.scoped ?? [])]) named.set(`${s.scope}\u0000${s.name}`, s.scope);
  for (const [key, scope] of named) {
    const name = key.slice(scope.length + 1);
    const label = `${scope === 'folder' ? 'Folder' : 'Rule'} ${name}: after upload`;
    field(
      out,
      'retention',
      label,
      overrideOf(a.scoped, scope, name),
      overrideOf(b.scoped, scope, name),
      overrideWords,
    );
  }
  const [g, h] = [a.diskGuard, b.diskGuard];
  field(out, 'diskGuard', 'Most the capture folders may hold', g.maxBytes, h.maxBytes, bytes);
  field(out, 'diskGuard', 'Least free space', g.minFreeBytes, h.minFreeBytes, bytes);
  field(out, 'diskGuard', 'Disk checked every', g.checkIntervalMs, h.checkIntervalMs, duration);
  field(out, 'diskGuard', 'When still full', g.whenFull, h.whenFull);
  return out;
}

function otherChanges(before: ResolvedConfig, after: ResolvedConfig): SettingChange[] {
  const out: SettingChange[] = [];
  if (!same(before.rules, after.rules))
    out.push({
      section: 'rules',
      words: `Rules reloaded from the site file (${after.rules.length} rule(s))`,
    });
  field(out, 'rules', 'When no rule matches', before.defaultAction.action, after.defaultAction.action);
  if (
    before.defaultAction.action === after.defaultAction.action &&
    !same(before.defaultAction, after.defaultAction)
  )
    out.push({ section: 'rules', words: 'When no rule matches: reason, key or destinations changed' });
  field(out, 'rules', 'Default object key', before.defaultKey, after.defaultKey);
  field(out, 'rules', 'Same content twice', before.duplicatePolicy, after.duplicatePolicy);
  field(out, 'folders', 'Full rescan every', before.reconcileIntervalMs, after.reconcileIntervalMs, (v) =>
    v && v > 0 ? formatDuration(v) : 'never',
  );
  return out;
}

export function settingChanges(
  before: ResolvedConfig,
  after: ResolvedConfig,
  presence: FolderPresence,
): SettingChange[] {
  return [
    ...folderChanges(before, after, presence),
    ...destinationChanges(before, after),
    ...uploadChanges(before, after),
    ...retentionChanges(before, after),
    ...otherChanges(before, after),
  ];
}
