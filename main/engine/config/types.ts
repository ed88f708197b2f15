import type {
  CompletionMode,
  CustomPiiPattern,
  EngineConfig,
  SymlinkPolicy,
} from '../../../shared/config.ts';
import type { Rule } from '../../../shared/rules.ts';
import type { DuplicatePolicy, RuleAction } from '../../../shared/status.ts';
import type { DestinationConfig } from '../../../shared/upload-config.ts';
import type { RetentionSettings } from '../retention/settings.ts';
import type { UploadSettings } from '../upload/settings.ts';
import type { ResolvedDestination } from './destinations.ts';

/** A folder's settings after defaults are applied and units resolved (ms, bytes, absolute paths). */
export interface ResolvedFolder {
  id: string;
  path: string;
  recursive: boolean;
  polling: boolean;
  pollIntervalMs: number;
  completion: CompletionMode;
  stableWindowMs: number;
  tempSuffixes: string[];
  tempPrefixes: string[];
  ignoreDotfiles: boolean;
  ignore: string[];
  device: string;
  symlinks: SymlinkPolicy;
}

export interface ResolvedInspect {
  sidecarPattern: string;
  maxFileSize: number;
  pii: { enabled: boolean; maxScanBytes: number; detectors: string[]; custom: CustomPiiPattern[] };
  plugins: string[];
}

/** What the engine runs on: every default applied, every unit resolved. */
export interface ResolvedConfig {
  /** The file this came from (absolute), or `(inline)`. */
  source: string;
  site: string;
  device: string;
  dataDir: string;
  folders: ResolvedFolder[];
  reconcileIntervalMs: number;
  inspect: ResolvedInspect;
  duplicatePolicy: DuplicatePolicy;
  rules: Rule[];
  defaultAction: { action: RuleAction; reason: string; key?: string; to?: string | string[] };
  defaultKey: string;
  durability: 'full' | 'normal';
  /** The first destination's settings (undefined: the embedded local demo store). Paths are absolute. */
  destination?: DestinationConfig;
  /** Every destination, in the order written; one (`default`) for the single `destination:` or none. */
  destinations: ResolvedDestination[];
  /** Where rules without `to:` send files. */
  defaultDestinations: string[];
  upload: UploadSettings;
  retention: RetentionSettings;
  /** The document as written. */
  raw: EngineConfig;
  /** Accepted but worth saying loudly (validate, run and status print them). */
  warnings: ConfigWarning[];
}

export interface ConfigWarning {
  /** JSON pointer to the field concerned. */
  path: string;
  message: string;
}

export const DEFAULT_KEY_TEMPLATE = '{site}/{device}/{yyyy}/{mm}/{dd}/{path}';
export const DEFAULT_TEMP_SUFFIXES = ['.part', '.tmp', '.temp', '.active', '.partial', '.crdownload', '~'];
export const DEFAULT_TEMP_PREFIXES = ['~$', '.~'];

/** The capture part of the config, before the destination/upload/retention sections are resolved. */
export type CoreConfig = Omit<
  ResolvedConfig,
  'destination' | 'destinations' | 'defaultDestinations' | 'upload' | 'retention'
>;
