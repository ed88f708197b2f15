import type { RuleAction } from './status.ts';
import type { RetentionOverrideConfig } from './upload-config.ts';

/**
 * The site rule language. Rules are an ordered list; the first rule whose every
 * predicate holds (and whose rate cap is not reached) decides the file.
 * Sizes accept numbers (bytes) or strings like "4KiB", "10MB"; durations accept
 * numbers (ms) or strings like "30s", "5m", "2h", "7d".
 */
export type SizeValue = number | string;
export type DurationValue = number | string;

export interface Range<T> {
  min?: T;
  max?: T;
}

export interface ScoreBand {
  min?: number;
  max?: number;
  /** "within `within` of `value`", e.g. {near: 0.5, within: 0.1} for uncertain samples. */
  near?: number;
  within?: number;
}

export interface PredictionPredicate {
  /** Any prediction whose label is one of these (case-insensitive). Omit for any label. */
  class?: string | string[];
  score?: ScoreBand;
  /** `any` (default): some prediction matches; `all`: every prediction matches; `none`: no prediction matches. */
  match?: 'any' | 'all' | 'none';
  /** true: the file must have a predictions sidecar; false: must not. */
  present?: boolean;
  modelVersion?: string | string[];
}

export interface TagPredicate {
  /** Every pattern must match some tag. Patterns may end in `*` (e.g. `pii:*`). */
  all?: string[];
  any?: string[];
  none?: string[];
}

export interface TimeOfDayPredicate {
  /** "HH:MM" local time; a window may wrap midnight (from 22:00 to 06:00). */
  from: string;
  to: string;
  /** Days the window applies, e.g. ["mon","tue"]. Omit for every day. */
  days?: string[];
}

export interface RulePredicates {
  /** Capture folder id(s) the file came from. */
  folder?: string | string[];
  /** Glob(s) on the path relative to the capture folder, e.g. "**\/*.jpg". */
  glob?: string | string[];
  extension?: string | string[];
  /** MIME type(s); `image/*` style wildcards allowed. */
  contentType?: string | string[];
  size?: Range<SizeValue>;
  /** Age of the file (now - mtime) when it is decided. */
  age?: Range<DurationValue>;
  timeOfDay?: TimeOfDayPredicate;
  tags?: TagPredicate;
  prediction?: PredictionPredicate;
  /** Percentage 0..100 of matching files to keep; chosen from the content hash so it is stable. */
  sample?: number;
}

export interface RateCap {
  perMinute?: number;
  perHour?: number;
  perDay?: number;
}

export interface Rule {
  name: string;
  description?: string;
  when?: RulePredicates;
  action: RuleAction;
  /** Shown to operators; defaults to a sentence built from the predicates. */
  reason?: string;
  /** Higher uploads first. Default 0. */
  priority?: number;
  /** Object key template, e.g. "{site}/{device}/{yyyy}/{mm}/{dd}/{path}". */
  key?: string;
  /** Destinations (by name) an upload goes to; default: the site's default destinations. */
  to?: string | string[];
  /** Extra object metadata; values may use the key template placeholders. */
  metadata?: Record<string, string>;
  /** While the cap is reached the rule does not match and evaluation falls through. */
  rate?: RateCap;
  /** What happens to this rule's files after upload; overrides the folder's and the site's retention. */
  retention?: RetentionOverrideConfig;
}
