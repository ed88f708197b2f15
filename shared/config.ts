import type { DurationValue, Rule, SizeValue } from './rules.ts';
import type { DuplicatePolicy, RuleAction } from './status.ts';
import type {
  DestinationConfig,
  RetentionConfig,
  RetentionOverrideConfig,
  UploadConfig,
} from './upload-config.ts';

/** How a folder decides that a file is complete and can be handed on. */
export type CompletionMode = 'auto' | 'rename' | 'stable';

/**
 * Which symbolic links in a capture folder are followed. inside: only links whose real path stays
 * in the folder; skip: none; follow: any (whoever can write to the folder can then ship any file
 * the engine can read).
 */
export const SYMLINK_POLICIES = ['inside', 'skip', 'follow'] as const;
export type SymlinkPolicy = (typeof SYMLINK_POLICIES)[number];

export interface FolderConfig {
  /** Short id used in rules, keys and the UI. Defaults to the folder's base name. */
  id?: string;
  path: string;
  recursive?: boolean;
  /** Poll instead of inotify: for NFS/SMB mounts where events do not arrive. */
  polling?: boolean;
  pollInterval?: DurationValue;
  /** auto: renamed-into-place files are complete at once, others after the stable window. */
  completion?: CompletionMode;
  /** Size and mtime must be unchanged this long before a file counts as complete. */
  stableWindow?: DurationValue;
  tempSuffixes?: string[];
  tempPrefixes?: string[];
  /** Treat dotfiles as temporary (the default). */
  ignoreDotfiles?: boolean;
  /** Globs (relative to the folder) never picked up. */
  ignore?: string[];
  /** Device name for this folder's files (camera, sensor); defaults to the site's device. */
  device?: string;
  /** Which symbolic links are followed (default `inside`). */
  symlinks?: SymlinkPolicy;
  /** What happens to this folder's files after upload; overrides the site's retention (a rule's wins). */
  retention?: RetentionOverrideConfig;
}

export interface CustomPiiPattern {
  tag: string;
  pattern: string;
  flags?: string;
}

export interface InspectConfig {
  /** Sidecar name template; `{stem}` is the file name without its extension, `{name}` the full name. */
  sidecarPattern?: string;
  /** Files larger than this get state too_large and are not read. */
  maxFileSize?: SizeValue;
  pii?: {
    enabled?: boolean;
    /** Only the first this-many bytes of a text file are scanned. */
    maxScanBytes?: SizeValue;
    detectors?: string[];
    custom?: CustomPiiPattern[];
  };
  /** Module paths of extra inspectors (see README "Writing an inspector"). */
  plugins?: string[];
}

export interface EngineConfig {
  site: string;
  device?: string;
  /** Where the queue database and logs live. */
  dataDir?: string;
  folders: FolderConfig[];
  /** How often the full reconciliation scan runs. */
  reconcileInterval?: DurationValue;
  inspect?: InspectConfig;
  duplicates?: { policy?: DuplicatePolicy };
  rules: Rule[];
  /** What happens when no rule matches. */
  defaultAction?: { action: RuleAction; reason?: string; key?: string; to?: string | string[] };
  /** Object key template used when a rule gives none. */
  defaultKey?: string;
  /** SQLite durability: `full` survives power loss, `normal` survives process crashes. */
  durability?: 'full' | 'normal';
  /** Where uploads go, how they are paced, and what happens to local copies (see upload-config.ts). */
  destination?: DestinationConfig;
  /** Several named destinations; rules choose with `to:`. Either this or `destination`. */
  destinations?: DestinationConfig[];
  upload?: UploadConfig;
  retention?: RetentionConfig;
  /** Reviewing predictions: queue order and where corrections go (main/engine/review/settings.ts). */
  review?: {
    threshold?: number;
    destination?: string;
    keyTemplate?: string;
    manifestKey?: string;
    cocoKey?: string;
  };
}
