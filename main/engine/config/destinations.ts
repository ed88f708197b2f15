import os from 'node:os';
import path from 'node:path';
import type { EngineConfig } from '../../../shared/config.ts';
import type { DestinationConfig } from '../../../shared/upload-config.ts';
import { DEFAULT_DESTINATION } from '../queue/delivery-types.ts';
import { BandwidthSpecError, type BandwidthTimetable, parseBandwidth } from '../upload/bandwidth.ts';
import type { IssueList } from './errors.ts';
import { didYouMean } from './suggest.ts';
import type { ConfigWarning } from './types.ts';

/** One destination the engine uploads to, with its own pace and key layout. */
export interface ResolvedDestination {
  name: string;
  /** Undefined: the embedded local demo store. Paths are absolute. */
  config?: DestinationConfig;
  /** This destination's own limit; the site's `upload.bandwidth` applies on top. */
  bandwidth?: BandwidthTimetable;
  /** Files at once here; undefined: `upload.concurrency`. */
  concurrency?: number;
  keyTemplate?: string;
  /** Rules without `to:` send files here. */
  isDefault: boolean;
}

/**
 * `destination` (one, named `default` unless it says otherwise) or `destinations` (several, each
 * named), or neither (the local demo store, named `default`). Names must be unique; the defaults
 * are those marked `default: true`, or the first one.
 */
export function resolveDestinations(
  raw: EngineConfig,
  baseDir: string,
  issues: IssueList,
): { destinations: ResolvedDestination[]; defaults: string[] } {
  if (raw.destination !== undefined && raw.destinations !== undefined) {
    issues.add(
      '/destinations',
      'both `destination` and `destinations` are set.',
      'Keep one: move the single `destination` into the `destinations` list with a name, e.g. "name: archive".',
    );
  }
  const list: { config?: DestinationConfig; at: string }[] = raw.destinations
    ? raw.destinations.map((config, i) => ({ config, at: `/destinations/${i}` }))
    : [{ config: raw.destination, at: '/destination' }];
  const seen = new Map<string, string>();
  const destinations = list.map(({ config, at }): ResolvedDestination => {
    const name = config?.name ?? DEFAULT_DESTINATION;
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      issues.add(
        `${at}/name`,
        `destination name "${name}" is already used by ${earlier.slice(1)}.`,
        'Give each destination a unique name: rules, status and logs refer to it.',
      );
    }
    seen.set(name, earlier ?? at);
    let bandwidth: BandwidthTimetable | undefined;
    if (config?.bandwidth !== undefined) {
      try {
        bandwidth = parseBandwidth(config.bandwidth);
      } catch (error) {
        if (!(error instanceof BandwidthSpecError)) throw error;
        issues.add(`${at}/bandwidth`, error.message, error.hint);
      }
    }
    return {
      name,
      config: config && resolvePaths(config, baseDir),
      bandwidth,
      concurrency: config?.concurrency,
      keyTemplate: config?.keyTemplate,
      isDefault: config?.default === true,
    };
  });
  const marked = destinations.filter((d) => d.isDefault);
  const defaults = (marked.length > 0 ? marked : destinations.slice(0, 1)).map((d) => d.name);
  for (const d of destinations) d.isDefault = defaults.includes(d.name);
  return { destinations, defaults };
}

/** A rule's `to:` as a list (a single name may be written without brackets). */
export function namesIn(to: string | string[] | undefined): string[] | undefined {
  return to === undefined ? undefined : Array.isArray(to) ? to : [to];
}

/**
 * Every name in a rule's `to:` must be a destination (an error, with "did you mean"); a destination
 * no rule can reach (not a default, named by no uploading rule) is a warning: files never go there.
 */
export function checkRoutes(
  raw: EngineConfig,
  destinations: readonly ResolvedDestination[],
  defaults: readonly string[],
  issues: IssueList,
  warnings: ConfigWarning[],
): void {
  const names = destinations.map((d) => d.name);
  const reached = new Set<string>();
  const check = (to: string | string[] | undefined, at: string, uploads: boolean): void => {
    const list = namesIn(to);
    if (list === undefined) {
      if (uploads) for (const name of defaults) reached.add(name);
      return;
    }
    list.forEach((name, j) => {
      if (names.includes(name)) {
        if (uploads) reached.add(name);
        return;
      }
      issues.add(
        Array.isArray(to) ? `${at}/${j}` : at,
        `"${name}" is not a destination.`,
        `${didYouMean(name, names)}Use one of the names under destinations: ${names.map((n) => `"${n}"`).join(', ')}.`,
      );
    });
  };
  for (const [i, rule] of (raw.rules ?? []).entries())
    check(rule.to, `/rules/${i}/to`, rule.action === 'upload');
  if (raw.defaultAction) {
    check(raw.defaultAction.to, '/defaultAction/to', raw.defaultAction.action === 'upload');
  }
  if (destinations.length < 2) return;
  destinations.forEach((d, i) => {
    if (reached.has(d.name)) return;
    warnings.push({
      path: raw.destinations ? `/destinations/${i}` : '/destination',
      message: `No rule sends files to destination "${d.name}": no uploading rule names it in \`to:\` and it is not a default destination.`,
    });
  });
}

function resolvePaths(destination: DestinationConfig, baseDir: string): DestinationConfig {
  const resolve = (value: string) =>
    value.startsWith('~/') ? path.join(os.homedir(), value.slice(2)) : path.resolve(baseDir, value);
  switch (destination.type) {
    case 's3':
      return destination.caBundle ? { ...destination, caBundle: resolve(destination.caBundle) } : destination;
    case 'filesystem':
      return { ...destination, path: resolve(destination.path) };
    case 'local':
      return destination.path ? { ...destination, path: resolve(destination.path) } : destination;
  }
}
