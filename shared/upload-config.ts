import type { DurationValue, SizeValue } from './rules.ts';

/** Where uploads go. With no destination the app uses its embedded local store (demo). */
export type DestinationConfig = S3DestinationConfig | FilesystemDestinationConfig | LocalDestinationConfig;

/** What any destination may set besides its own connection settings (all optional for `destination:`). */
export interface DestinationCommon {
  /** Rules name it in `to:`; `destinations:` entries need one, the single `destination:` is `default`. */
  name?: string;
  /** Files whose rule has no `to:` go to every destination marked default (none marked: the first). */
  default?: boolean;
  /** Key template here; wins over the rule's `key` and the site's `defaultKey`. */
  keyTemplate?: string;
  /** This destination's bandwidth limit (same forms as upload.bandwidth, which caps the whole site). */
  bandwidth?: string | number;
  /** Files sent to this destination at once (default upload.concurrency). */
  concurrency?: number;
}

export interface S3DestinationConfig extends DestinationCommon {
  type: 's3';
  /** e.g. https://s3.eu-de.cloud-object-storage.appdomain.cloud, http://127.0.0.1:9000. Omit for AWS. */
  endpoint?: string;
  region?: string;
  bucket: string;
  /** Prepended to every object key, e.g. "edge/". */
  prefix?: string;
  /** Path-style URLs (bucket in the path). Default true when an endpoint is given. */
  forcePathStyle?: boolean;
  /** Explicit keys, or a profile from ~/.aws/credentials; default: environment, then the default profile. */
  credentials?: { accessKeyId?: string; secretAccessKey?: string; sessionToken?: string; profile?: string };
  /** PEM file with extra CA certificates (private COS / Ceph endpoints). */
  caBundle?: string;
  /** http://proxy:3128; default: HTTPS_PROXY / HTTP_PROXY from the environment. */
  proxy?: string;
  storageClass?: string;
  /** Object Lock retention for compliance data (bucket must have Object Lock enabled). */
  objectLock?: { mode: 'GOVERNANCE' | 'COMPLIANCE'; days: number };
  /** Also send object tags (site, rule, PII tags) besides metadata. */
  tagging?: boolean;
  /** A different object already at the key: `report` (conflict state for the operator) or `suffix` (upload as key-1, key-2…). */
  onConflict?: 'report' | 'suffix';
}

export interface FilesystemDestinationConfig extends DestinationCommon {
  type: 'filesystem';
  /** A mounted share (Spectrum Scale, NFS, Lustre…): objects become files under it. */
  path: string;
  /** fsync file and directory before counting a copy as done (default true). */
  fsync?: boolean;
  onConflict?: 'report' | 'suffix';
}

export interface LocalDestinationConfig extends DestinationCommon {
  type: 'local';
  /** Defaults to `<dataDir>/local-store`. */
  path?: string;
}

export interface UploadConfig {
  /** Files uploaded at once (default 4). */
  concurrency?: number;
  /** Parts of one multipart upload sent at once (default 4). */
  partConcurrency?: number;
  /** Files at or above this size use multipart (default 64MiB). */
  multipartThreshold?: SizeValue;
  /** Part size (default 16MiB; at least 5MiB). */
  partSize?: SizeValue;
  /** Non-transient failures before a file is quarantined (default 5). */
  maxAttempts?: number;
  backoff?: { initial?: DurationValue; max?: DurationValue };
  /** Within one priority: `oldest` first (default) or `newest` first. */
  order?: 'oldest' | 'newest';
  /** Bandwidth limit: "off", "512k", "4M" (bytes/s), or a weekly timetable like "08:00,512k 18:00,off" or "Mon-08:00,512k". */
  bandwidth?: string | number;
  /** How often to check whether an unreachable store is back (default 30s). */
  offlineProbeInterval?: DurationValue;
  /** Per-request timeout (default 2m). */
  requestTimeout?: DurationValue;
  /** Upload each capture's prediction sidecar beside it, and remove or archive it with the capture (default true). */
  sidecars?: boolean;
}

export interface DiskGuardConfig {
  /** Most bytes the capture folders may hold. */
  maxBytes?: SizeValue;
  /** Least free space to keep on the capture disk. */
  minFreeBytes?: SizeValue;
  checkInterval?: DurationValue;
  /**
   * When uploaded files are gone and the disk is still too full:
   * `pause` capture (default), `drop-newest` new captures, or `delete-oldest` even if not uploaded (explicit opt-in).
   */
  whenFull?: 'pause' | 'drop-newest' | 'delete-oldest';
}

/**
 * Retention for one capture folder or one rule. Each setting left out comes from the next level:
 * the rule that decided the file, then its folder, then the site's `retention` section.
 */
export interface RetentionOverrideConfig {
  afterUpload?: 'keep' | 'delete' | 'archive';
  keepFor?: DurationValue;
}

export interface RetentionConfig {
  /** What happens to the local copy after a confirmed upload (default keep). */
  afterUpload?: 'keep' | 'delete' | 'archive';
  /** Folder for `archive` (default `<dataDir>/archive`). */
  archiveDir?: string;
  /** Kept or archived copies older than this are deleted. */
  keepFor?: DurationValue;
  diskGuard?: DiskGuardConfig;
}
