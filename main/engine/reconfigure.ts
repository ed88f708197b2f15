import type { ResolvedConfig, ResolvedFolder } from './config/types.ts';

/**
 * What a new config changes in a running engine, part by part, and what it cannot change while the
 * engine runs. CaptureEngine.reconfigure applies a diff; the host refuses a save whose diff has
 * `restartOnly` entries before it writes anything.
 */
export interface ConfigDiff {
  /** Settings only a restart can change (the engine refuses them live). */
  restartOnly: RestartOnly[];
  /** Rules, default action and key, duplicate policy, folders' devices, destinations' names, defaults and key templates: recompile for new decisions. */
  rules: boolean;
  folders: { added: ResolvedFolder[]; removed: ResolvedFolder[]; changed: ResolvedFolder[] };
  /** Upload settings or destinations changed beyond their bandwidth limits: a new set of uploaders. */
  transfer: boolean;
  /** Bandwidth limits the config changes (key '' is the site's, else a destination's): set in place unless `transfer`. */
  bandwidth: Map<string, string>;
  retention: boolean;
  /** Review settings, its destination, or the rules that make held files' keys: the review exporter follows. */
  review: boolean;
  reconcileInterval: boolean;
  /** Nothing at all changed. */
  none: boolean;
}

export interface RestartOnly {
  /** JSON pointer of the setting in the site file. */
  path: string;
  /** Why it needs a restart, in operator words. */
  why: string;
}

/** Settings read once at start by parts that cannot be rebuilt under a running engine. */
const RESTART_ONLY: { path: string; of: (c: ResolvedConfig) => unknown; why: string }[] = [
  {
    path: '/dataDir',
    of: (c) => c.dataDir,
    why: 'the queue database and its lock live there; the engine cannot move them while it runs',
  },
  {
    path: '/durability',
    of: (c) => c.durability,
    why: 'the queue database is opened with it',
  },
  {
    path: '/site',
    of: (c) => c.site,
    why: 'review exports and the catalog are set up with the site name when the engine starts',
  },
  {
    path: '/device',
    of: (c) => c.device,
    why: 'review exports and the catalog are set up with the device name when the engine starts',
  },
  {
    path: '/inspect',
    of: (c) => c.inspect,
    why: 'inspection workers and plugins are loaded with these settings when the engine starts',
  },
];

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The upload side without bandwidth limits (those change in place). */
function transferShape(config: ResolvedConfig): unknown {
  const { bandwidth: _site, ...upload } = config.upload;
  // Whether destinations share a site limiter depends on who has a limit: that is structure.
  const shared = config.destinations.length > 1 || config.destinations.some((d) => d.bandwidth !== undefined);
  return {
    upload,
    shared,
    defaults: config.defaultDestinations,
    destinations: config.destinations.map(({ bandwidth: _own, ...rest }) => rest),
  };
}

function bandwidthChanges(before: ResolvedConfig, after: ResolvedConfig): Map<string, string> {
  const changes = new Map<string, string>();
  if (before.upload.bandwidth.spec !== after.upload.bandwidth.spec)
    changes.set('', after.upload.bandwidth.spec);
  for (const d of after.destinations) {
    const old = before.destinations.find((o) => o.name === d.name);
    const spec = d.bandwidth?.spec ?? 'off';
    if ((old?.bandwidth?.spec ?? 'off') !== spec) changes.set(d.name, spec);
  }
  return changes;
}

const folderShape = (folder: ResolvedFolder): unknown => folder;

export function diffConfigs(before: ResolvedConfig, after: ResolvedConfig): ConfigDiff {
  const restartOnly = RESTART_ONLY.filter((s) => !same(s.of(before), s.of(after))).map(({ path, why }) => ({
    path,
    why,
  }));
  const added = after.folders.filter((f) => !before.folders.some((o) => o.id === f.id));
  const removed = before.folders.filter((f) => !after.folders.some((n) => n.id === f.id));
  const changed = after.folders.filter((f) => {
    const old = before.folders.find((o) => o.id === f.id);
    return old !== undefined && !same(folderShape(old), folderShape(f));
  });
  const devices = (c: ResolvedConfig) => c.folders.map((f) => [f.id, f.device]);
  // Decisions name their destinations and render each one's key template: part of the rules.
  const routing = (c: ResolvedConfig) => [
    c.defaultDestinations,
    c.destinations.map((d) => [d.name, d.keyTemplate ?? null]),
  ];
  const rules =
    !same(before.rules, after.rules) ||
    !same(before.defaultAction, after.defaultAction) ||
    before.defaultKey !== after.defaultKey ||
    before.duplicatePolicy !== after.duplicatePolicy ||
    !same(devices(before), devices(after)) ||
    !same(routing(before), routing(after));
  const transfer = !same(transferShape(before), transferShape(after));
  const bandwidth = bandwidthChanges(before, after);
  const retention = !same(before.retention, after.retention) || !same(before.folders, after.folders);
  const reviewShape = (c: ResolvedConfig) => [
    c.raw.review ?? null,
    c.destinations,
    c.upload.requestTimeoutMs,
  ];
  const review = rules || !same(reviewShape(before), reviewShape(after));
  const reconcileInterval = before.reconcileIntervalMs !== after.reconcileIntervalMs;
  const foldersChanged = added.length + removed.length + changed.length > 0;
  return {
    restartOnly,
    rules,
    folders: { added, removed, changed },
    transfer,
    bandwidth,
    retention,
    review,
    reconcileInterval,
    none:
      restartOnly.length === 0 &&
      !rules &&
      !foldersChanged &&
      !transfer &&
      bandwidth.size === 0 &&
      !retention &&
      !review &&
      !reconcileInterval,
  };
}

/** Thrown by reconfigure for a config it cannot apply live; nothing was changed. */
export class RestartRequired extends Error {
  readonly settings: RestartOnly[];
  constructor(settings: RestartOnly[]) {
    super(
      `${settings.map((s) => s.path.slice(1)).join(', ')} cannot change while the engine runs (${settings[0]?.why}); restart the engine to use the new value`,
    );
    this.settings = settings;
  }
}

/** The parts of a running engine a config change reaches (CaptureEngine.live()). */
export interface LiveParts {
  /** False before start(): the new config is simply the one start() will use. */
  started: boolean;
  setConfig(config: ResolvedConfig): void;
  /** Recompiles the rules and hands the pipeline the new duplicate policy and folder devices. */
  rules(config: ResolvedConfig): void;
  /** Watcher, inspector confinement, pipeline and reconciler follow the new folder list. */
  folders(config: ResolvedConfig, diff: ConfigDiff['folders']): Promise<void>;
  reconcileInterval(ms: number): void;
  /** Uploaders and retention (see transfer.ts). */
  transfer(config: ResolvedConfig, diff: ConfigDiff): Promise<void>;
  /** The review service: held files' keys and the corrections exporter. */
  review(config: ResolvedConfig): Promise<void>;
  /** Everything applied: say so (what was rebuilt, in words). */
  changed(what: string): void;
}

/**
 * Moves a running engine from `before` to `after`, part by part; only what changed is touched.
 * Resolves with what was rebuilt, in words, or undefined when nothing the engine uses changed.
 */
export async function applyConfig(
  parts: LiveParts,
  before: ResolvedConfig,
  after: ResolvedConfig,
): Promise<string | undefined> {
  const diff = diffConfigs(before, after);
  parts.setConfig(after);
  if (diff.none || !parts.started) return undefined;
  if (diff.rules) parts.rules(after);
  const { added, removed, changed } = diff.folders;
  if (added.length + removed.length + changed.length > 0) await parts.folders(after, diff.folders);
  if (diff.reconcileInterval) parts.reconcileInterval(after.reconcileIntervalMs);
  if (diff.retention || diff.transfer || diff.bandwidth.size > 0) await parts.transfer(after, diff);
  if (diff.review) await parts.review(after);
  const words = partsWords(diff);
  parts.changed(words);
  return words;
}

/** What a diff rebuilt, for the activity log: "rules recompiled; folder cam2 watched; uploaders restarted". */
export function partsWords(diff: ConfigDiff): string {
  const words: string[] = [];
  if (diff.rules) words.push('rules recompiled');
  for (const f of diff.folders.added) words.push(`folder ${f.id} watched`);
  for (const f of diff.folders.removed) words.push(`folder ${f.id} no longer watched`);
  for (const f of diff.folders.changed) words.push(`folder ${f.id} watched with its new settings`);
  if (diff.reconcileInterval) words.push('rescan interval changed');
  if (diff.transfer)
    words.push('uploaders restarted on the new settings (uploads in flight resume where they stopped)');
  else if (diff.bandwidth.size > 0) words.push('bandwidth limits changed in place');
  if (diff.retention) words.push('retention and disk guard restarted on the new settings');
  if (diff.review && !diff.rules) words.push('review exports follow the new settings');
  return words.join('; ');
}
