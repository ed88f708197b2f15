import type { EngineConfig } from '../../shared/config.ts';
import type {
  BandwidthTarget,
  CredentialState,
  DestinationDraft,
  DestinationSettings,
  SettingFact,
  SiteSettings,
} from '../../shared/contract/index.ts';
import { formatBytes } from '../../shared/format.ts';
import type { DestinationConfig, S3DestinationConfig } from '../../shared/upload-config.ts';
import type { ResolvedDestination } from '../engine/config/destinations.ts';
import type { ResolvedConfig } from '../engine/config/types.ts';
import { formatDuration } from '../engine/config/units.ts';
import { keySourceOf } from '../engine/credentials/sources.ts';
import { proxyFor } from '../engine/upload/destinations/s3-transport.ts';
import type { DestinationStatus } from '../engine/upload/fan-out.ts';
import { overrideOf, overridesWords, overrideWords } from './retention-words.ts';

/** Where the site file keeps a destination: the single `destination:`, or `destinations[i]`. */
export function destinationPath(raw: EngineConfig, name: string | undefined): (string | number)[] {
  if (name === undefined) return ['upload'];
  const index = raw.destinations?.findIndex((d) => (d.name ?? 'default') === name) ?? -1;
  return index >= 0 ? ['destinations', index] : ['destination'];
}

/** Where a bandwidth limit is written: `upload.bandwidth`, or the destination's own `bandwidth`. */
export function bandwidthPath(raw: EngineConfig, destination: string | undefined): (string | number)[] {
  return [...destinationPath(raw, destination), 'bandwidth'];
}

function specOf(value: unknown): string {
  return value === undefined || value === null ? 'off' : String(value);
}

/** The bandwidth limits as written in the file (the site's, then each destination's), and any set live. */
export function bandwidthTargets(
  raw: EngineConfig,
  destinations: readonly ResolvedDestination[],
  live: ReadonlyMap<string, string>,
): BandwidthTarget[] {
  const site: BandwidthTarget = { saved: specOf(raw.upload?.bandwidth) };
  const siteLive = live.get('');
  if (siteLive !== undefined && siteLive !== site.saved) site.live = siteLive;
  const own = destinations.map((d): BandwidthTarget => {
    const path = destinationPath(raw, d.name);
    const entry = (path[0] === 'destinations' ? raw.destinations?.[path[1] as number] : raw.destination) as
      | { bandwidth?: unknown }
      | undefined;
    const target: BandwidthTarget = { destination: d.name, saved: specOf(entry?.bandwidth) };
    const value = live.get(d.name);
    if (value !== undefined && value !== target.saved) target.live = value;
    return target;
  });
  return [site, ...own];
}

const fact = (label: string, value: string, path?: string): SettingFact =>
  path ? { label, value, path } : { label, value };

/** What the engine knows of a destination's stored keys: their key id (for its last 4 characters), or why they cannot be read. */
export type StoredKeysFact = { accessKeyId: string } | { problem: string };

function credentialsOf(
  cfg: S3DestinationConfig,
  status: DestinationStatus | undefined,
  storedFact: StoredKeysFact | undefined,
): NonNullable<DestinationSettings['credentials']> {
  const stored = storedFact && 'accessKeyId' in storedFact ? storedFact : undefined;
  const facts = keySourceOf(cfg, stored);
  const base = { source: facts.source, stored: stored !== undefined };
  const unused = facts.storedUnused ? '; keys stored for it too are not used: the site file wins' : '';
  if (storedFact && 'problem' in storedFact && facts.source !== 'config' && facts.source !== 'profile') {
    return { ...base, state: 'failing', words: `stored keys cannot be read: ${storedFact.problem}` };
  }
  const where = facts.source === 'none' ? undefined : facts.words;
  if (status?.pausedFor === 'auth') {
    return {
      ...base,
      state: 'failing',
      words: `${where ?? 'not set here (default profile)'}; the store refuses them: set them again, then run Test connection${unused}`,
    };
  }
  const working = status?.online === true && status.link.lastSuccessAt !== undefined;
  if (working) {
    return {
      ...base,
      state: 'working',
      words: `${where ?? "from the engine's default profile"}; the store accepts them${unused}`,
    };
  }
  if (where) return { ...base, state: 'set' satisfies CredentialState, words: `${where}${unused}` };
  return {
    ...base,
    state: 'not set',
    words:
      'not set: use Set credentials…, or the site file, or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for the engine',
  };
}

function draftOf(name: string, cfg: DestinationConfig | undefined): DestinationDraft {
  if (cfg === undefined) return { type: 'local', name };
  if (cfg.type === 'filesystem') return { type: 'filesystem', name, path: cfg.path };
  if (cfg.type === 'local')
    return cfg.path ? { type: 'local', name, path: cfg.path } : { type: 'local', name };
  const draft: DestinationDraft = { type: 's3', name, bucket: cfg.bucket };
  if (cfg.endpoint) draft.endpoint = cfg.endpoint;
  if (cfg.region) draft.region = cfg.region;
  if (cfg.prefix) draft.prefix = cfg.prefix;
  if (cfg.forcePathStyle !== undefined) draft.forcePathStyle = cfg.forcePathStyle;
  if (cfg.caBundle) draft.caBundle = cfg.caBundle;
  if (cfg.proxy) draft.proxy = cfg.proxy;
  if (cfg.objectLock) draft.objectLock = { ...cfg.objectLock };
  return draft;
}

function destinationSettings(
  d: ResolvedDestination,
  config: ResolvedConfig,
  status: DestinationStatus | undefined,
  at: string,
  stored: StoredKeysFact | undefined,
): DestinationSettings {
  const cfg = d.config;
  const common: SettingFact[] = [
    fact(
      'Key template',
      d.keyTemplate ?? `the rule's key, else the site's ${config.defaultKey}`,
      d.keyTemplate ? `${at}/keyTemplate` : undefined,
    ),
    fact(
      'Bandwidth',
      d.bandwidth ? `${d.bandwidth.spec} (and the site's limit)` : "the site's limit only",
      `${at}/bandwidth`,
    ),
    fact(
      'Files at once',
      d.concurrency !== undefined ? String(d.concurrency) : `${config.upload.concurrency} (the site's)`,
      `${at}/concurrency`,
    ),
    fact(
      'Default destination',
      d.isDefault ? 'yes: rules without "to" send files here' : 'no: only rules naming it',
    ),
  ];
  const base = {
    name: d.name,
    isDefault: d.isDefault,
    label: status?.destination ?? d.name,
    isLocalDemo: status?.isLocalDemo ?? (cfg === undefined || cfg.type === 'local'),
    draft: draftOf(d.name, cfg),
  };
  if (cfg === undefined || cfg.type === 'local') {
    return {
      ...base,
      type: 'local',
      facts: [
        fact('Type', 'local demo store: data has not left this machine'),
        fact('Folder', cfg?.path ?? `${config.dataDir}/local-store`),
        ...common,
      ],
    };
  }
  if (cfg.type === 'filesystem') {
    return {
      ...base,
      type: 'filesystem',
      facts: [
        fact('Type', 'folder (mounted share)'),
        fact('Path', cfg.path, `${at}/path`),
        fact(
          'Sync to disk',
          cfg.fsync === false ? 'no (faster, less safe)' : 'yes: every copy is fsynced before it counts',
        ),
        fact(
          'Name taken by another file',
          cfg.onConflict === 'suffix' ? 'upload as name-1, name-2, …' : 'report (state conflict)',
        ),
        ...common,
      ],
    };
  }
  let endpoint: URL | undefined;
  try {
    endpoint = new URL(cfg.endpoint ?? `https://s3.${cfg.region ?? 'us-east-1'}.amazonaws.com`);
  } catch {
    endpoint = undefined;
  }
  const proxy = endpoint ? proxyFor(endpoint, cfg.proxy) : cfg.proxy;
  const pathStyle = cfg.forcePathStyle ?? cfg.endpoint !== undefined;
  return {
    ...base,
    type: 's3',
    credentials: credentialsOf(cfg, status, stored),
    facts: [
      fact('Type', 'S3-compatible object store'),
      fact('Endpoint', cfg.endpoint ?? `AWS (${cfg.region ?? 'default region'})`, `${at}/endpoint`),
      fact('Bucket', cfg.bucket, `${at}/bucket`),
      fact(
        'Region',
        cfg.region ?? (cfg.endpoint ? 'us-east-1 (default)' : 'from AWS_REGION'),
        `${at}/region`,
      ),
      fact('Prefix', cfg.prefix ? cfg.prefix : 'none (keys start at the bucket root)', `${at}/prefix`),
      fact(
        'Addressing',
        pathStyle ? 'path style (bucket in the path)' : 'virtual-hosted (bucket in the host name)',
        `${at}/forcePathStyle`,
      ),
      fact('CA bundle', cfg.caBundle ?? "this machine's trusted CAs", `${at}/caBundle`),
      fact(
        'Proxy',
        cfg.proxy ? cfg.proxy : proxy ? `${proxy} (from the environment)` : 'none (direct)',
        `${at}/proxy`,
      ),
      fact(
        'Object Lock',
        cfg.objectLock
          ? `${cfg.objectLock.mode}, ${cfg.objectLock.days} day(s): uploads cannot be deleted or changed before then`
          : 'off',
        `${at}/objectLock`,
      ),
      fact('Object tags', cfg.tagging ? 'sent (site, rule, PII tags)' : 'not sent (metadata only)'),
      fact(
        'Name taken by another object',
        cfg.onConflict === 'suffix' ? 'upload as name-1, name-2, …' : 'report (state conflict)',
      ),
      ...(cfg.storageClass ? [fact('Storage class', cfg.storageClass)] : []),
      ...common,
    ],
  };
}

/** The Settings view: everything the engine runs with, in words, secrets never included. */
export function siteSettings(options: {
  config: ResolvedConfig;
  /** The site file as it is now (bandwidth as saved); the config's own document for built-in configs. */
  fileRaw: EngineConfig;
  configFile: string | undefined;
  readOnlyReason?: string;
  statuses: readonly DestinationStatus[];
  liveBandwidth: ReadonlyMap<string, string>;
  /** Keys stored per destination (`<dataDir>/credentials.json`): key ids only, or why they cannot be read. */
  storedKeys?: ReadonlyMap<string, StoredKeysFact>;
}): SiteSettings {
  const { config } = options;
  const upload = config.upload;
  const retention = config.retention;
  const guard = retention.diskGuard;
  const atOf = (name: string) => `/${destinationPath(config.raw, name).join('/')}`;
  const settings: SiteSettings = {
    editable: options.configFile !== undefined,
    folders: config.folders.map((folder) => ({
      id: folder.id,
      path: folder.path,
      facts: [
        fact('Subfolders', folder.recursive ? 'watched' : 'not watched'),
        fact(
          'Complete when',
          folder.completion === 'rename'
            ? 'renamed into place'
            : folder.completion === 'stable'
              ? `unchanged for ${formatDuration(folder.stableWindowMs)}`
              : `renamed into place, or unchanged for ${formatDuration(folder.stableWindowMs)}`,
        ),
        fact(
          'Watching',
          folder.polling ? `polling every ${formatDuration(folder.pollIntervalMs)}` : 'file system events',
        ),
        fact('Device', folder.device),
        ...(overrideOf(retention.scoped, 'folder', folder.id)
          ? [fact('After upload', overrideWords(overrideOf(retention.scoped, 'folder', folder.id)))]
          : []),
      ],
    })),
    destinations: config.destinations.map((d) =>
      destinationSettings(
        d,
        config,
        options.statuses.find((s) => s.name === d.name),
        atOf(d.name),
        options.storedKeys?.get(d.name),
      ),
    ),
    bandwidth: bandwidthTargets(options.fileRaw, config.destinations, options.liveBandwidth),
    upload: [
      fact('Files at once', String(upload.concurrency), '/upload/concurrency'),
      fact('Parts of one file at once', String(upload.partConcurrency), '/upload/partConcurrency'),
      fact('Multipart from', formatBytes(upload.multipartThreshold), '/upload/multipartThreshold'),
      fact('Part size', formatBytes(upload.partSize), '/upload/partSize'),
      fact('Attempts before quarantine', String(upload.maxAttempts), '/upload/maxAttempts'),
      fact(
        'Wait after a failure',
        `${formatDuration(upload.backoff.initialMs)}, doubling up to ${formatDuration(upload.backoff.maxMs)}`,
        '/upload/backoff',
      ),
      fact('Upload order', upload.order === 'newest' ? 'newest first' : 'oldest first', '/upload/order'),
      fact(
        'Offline check every',
        formatDuration(upload.offlineProbeIntervalMs),
        '/upload/offlineProbeInterval',
      ),
      fact('Request timeout', formatDuration(upload.requestTimeoutMs), '/upload/requestTimeout'),
      fact(
        'Prediction sidecars',
        upload.sidecars ? 'uploaded beside their captures' : 'stay local',
        '/upload/sidecars',
      ),
    ],
    retention: [
      fact(
        'After upload',
        retention.afterUpload === 'keep'
          ? 'keep the local copy'
          : retention.afterUpload === 'delete'
            ? 'delete the local copy'
            : `move it to ${retention.archiveDir}`,
        '/retention/afterUpload',
      ),
      fact(
        'Keep local copies for',
        retention.keepForMs === undefined ? 'for good (no keepFor set)' : formatDuration(retention.keepForMs),
        '/retention/keepFor',
      ),
      fact('Archive folder', retention.archiveDir, '/retention/archiveDir'),
      ...(retention.scoped && retention.scoped.length > 0
        ? [fact('Per folder or rule', overridesWords(retention.scoped))]
        : []),
    ],
    diskGuard: guard.enabled
      ? [
          fact(
            'Most the capture folders may hold',
            guard.maxBytes ? formatBytes(guard.maxBytes) : 'no limit',
            '/retention/diskGuard/maxBytes',
          ),
          fact(
            'Least free space',
            guard.minFreeBytes ? formatBytes(guard.minFreeBytes) : 'no limit',
            '/retention/diskGuard/minFreeBytes',
          ),
          fact('Checked every', formatDuration(guard.checkIntervalMs), '/retention/diskGuard/checkInterval'),
          fact(
            'When still full',
            guard.whenFull === 'pause'
              ? 'pause capture (new files wait on disk)'
              : guard.whenFull === 'drop-newest'
                ? 'drop new captures'
                : 'delete the oldest files, even ones NOT uploaded',
            '/retention/diskGuard/whenFull',
          ),
        ]
      : [fact('Status', 'off (no maxBytes or minFreeBytes set)', '/retention/diskGuard')],
  };
  if (options.configFile) settings.configFile = options.configFile;
  if (options.readOnlyReason) settings.readOnlyReason = options.readOnlyReason;
  return settings;
}
