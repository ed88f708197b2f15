import type { Prediction, Predictions } from '../../../shared/inspection.ts';
import type { Check, FileFacts } from './types.ts';
import { either, score } from './words.ts';

/** Predicates on what inspection found: tags and model predictions. */

type TagMatcher = (tag: string) => boolean;

/** "pii:*" matches any tag starting "pii:"; anything else must match exactly. */
export function tagMatcher(pattern: string): TagMatcher {
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return (tag) => tag.startsWith(prefix);
  }
  return (tag) => tag === pattern;
}

const presentTags = (f: FileFacts): string[] =>
  Object.keys(f.inspection.tags).filter((tag) => f.inspection.tags[tag] !== 0);

export function tagsCheck(spec: { all?: string[]; any?: string[]; none?: string[] }): Check {
  const compile = (patterns: string[] | undefined) =>
    (patterns ?? []).map((pattern) => ({ pattern, matches: tagMatcher(pattern) }));
  const all = compile(spec.all);
  const any = compile(spec.any);
  const none = compile(spec.none);
  return {
    test: (f) => {
      const tags = presentTags(f);
      for (const { pattern, matches } of all) {
        if (!tags.some(matches)) return `no tag matches ${pattern}`;
      }
      if (any.length > 0 && !any.some(({ matches }) => tags.some(matches))) {
        return `no tag matches ${either(any.map((a) => a.pattern))}`;
      }
      for (const { pattern, matches } of none) {
        const hit = tags.find(matches);
        if (hit) return `tag ${hit} matches excluded ${pattern}`;
      }
      return undefined;
    },
    describe: (f) => {
      const tags = presentTags(f).filter((tag) => [...all, ...any].some(({ matches }) => matches(tag)));
      return tags.length > 0
        ? `tagged ${tags.join(', ')}`
        : `no tag matches ${either(none.map((n) => n.pattern))}`;
    },
  };
}

export interface PredictionSpec {
  classes?: string[];
  min?: number;
  max?: number;
  near?: number;
  within?: number;
  /** undefined when the rule only asks about presence or model version. */
  match?: 'any' | 'all' | 'none';
  present?: boolean;
  modelVersions?: string[];
}

/** Float scores from models: 0.6 must count as "within 0.1 of 0.5". */
const EPSILON = 1e-9;

function bandWords(spec: PredictionSpec): string {
  const parts: string[] = [];
  if (spec.min !== undefined && spec.max !== undefined) parts.push(`between ${spec.min} and ${spec.max}`);
  else if (spec.min !== undefined) parts.push(`at least ${spec.min}`);
  else if (spec.max !== undefined) parts.push(`at most ${spec.max}`);
  if (spec.near !== undefined && spec.within !== undefined)
    parts.push(`within ${spec.within} of ${spec.near}`);
  return parts.join(' and ');
}

export function predictionCheck(spec: PredictionSpec): Check {
  const classes = spec.classes ? new Set(spec.classes.map((c) => c.toLowerCase())) : undefined;
  const models = spec.modelVersions ? new Set(spec.modelVersions) : undefined;
  const band = bandWords(spec);
  const criterion = `${spec.classes ? `${either(spec.classes)} ` : ''}detection${band ? ` with score ${band}` : ''}`;
  const { min, max, near, within } = spec;
  const fits = (item: Prediction): boolean =>
    (!classes || classes.has(item.label.toLowerCase())) &&
    (min === undefined || item.score >= min - EPSILON) &&
    (max === undefined || item.score <= max + EPSILON) &&
    (near === undefined || within === undefined || Math.abs(item.score - near) <= within + EPSILON);
  const found = (item: Prediction) => `${item.label} ${score(item.score)}`;
  const best = (items: readonly Prediction[]) =>
    items.reduce<Prediction | undefined>(
      (top, item) => (!top || item.score > top.score ? item : top),
      undefined,
    );

  const failure = (preds: Predictions | undefined): string | undefined => {
    if (spec.present === true && !preds) return 'no predictions sidecar';
    if (spec.present === false) return preds ? 'has a predictions sidecar' : undefined;
    if (models) {
      const version = preds?.modelVersion;
      if (!preds) return 'no predictions sidecar';
      if (version === undefined || !models.has(version)) {
        return `model version ${version ?? '(none)'} is not ${either(spec.modelVersions ?? [])}`;
      }
    }
    if (!spec.match) return undefined;
    const items = preds?.items ?? [];
    if (spec.match === 'none') {
      const hit = items.find(fits);
      return hit ? `${found(hit)} is a ${criterion}, which this rule excludes` : undefined;
    }
    if (items.length === 0) return preds ? 'no detections' : 'no predictions sidecar';
    if (spec.match === 'all') {
      const miss = items.find((item) => !fits(item));
      return miss ? `${found(miss)} is not a ${criterion}` : undefined;
    }
    if (items.some(fits)) return undefined;
    const top = best(items);
    return `no ${criterion}${top ? ` (best: ${found(top)})` : ''}`;
  };

  const success = (preds: Predictions | undefined): string => {
    const parts: string[] = [];
    if (spec.present === false) return 'no predictions sidecar';
    if (models) parts.push(`model ${preds?.modelVersion}`);
    const items = preds?.items ?? [];
    if (spec.match === 'any') {
      const hit = items.find(fits);
      if (hit) parts.push(`${hit.label} detected with score ${score(hit.score)}${band ? `, ${band}` : ''}`);
    } else if (spec.match === 'all') {
      const what = spec.classes ? either(spec.classes) : 'detections';
      parts.push(`all ${items.length} detections are ${what}${band ? ` with score ${band}` : ''}`);
    } else if (spec.match === 'none') {
      parts.push(`no ${criterion}`);
    }
    if (parts.length === 0) parts.push('has predictions');
    return parts.join(', ');
  };

  return {
    test: (f) => failure(f.inspection.predictions),
    describe: (f) => success(f.inspection.predictions),
  };
}
