import type { RuleView } from '../../shared/contract/index.ts';
import type { RateCap, Rule, RulePredicates, ScoreBand } from '../../shared/rules.ts';

/** The site rules in words for the Rules view: what each condition asks, without YAML. */

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function either(values: readonly string[], conjunction = 'or'): string {
  if (values.length <= 1) return values[0] ?? '';
  return `${values.slice(0, -1).join(', ')} ${conjunction} ${values.at(-1)}`;
}

const quoted = (values: readonly string[]): string[] => values.map((value) => `“${value}”`);

function range(what: string, value: { min?: unknown; max?: unknown } | undefined): string | undefined {
  if (!value) return undefined;
  const { min, max } = value;
  if (min !== undefined && max !== undefined) return `${what} between ${min} and ${max}`;
  if (min !== undefined) return `${what} at least ${min}`;
  if (max !== undefined) return `${what} at most ${max}`;
  return undefined;
}

function scoreWords(score: ScoreBand | undefined): string | undefined {
  if (!score) return undefined;
  if (score.near !== undefined) return `score within ${score.within ?? 0} of ${score.near}`;
  return range('score', score);
}

export function conditionsInWords(when: RulePredicates | undefined): string[] {
  if (!when) return [];
  const words: string[] = [];
  if (when.folder !== undefined) words.push(`from folder ${either(list(when.folder))}`);
  if (when.glob !== undefined) words.push(`path matches ${either(quoted(list(when.glob)))}`);
  if (when.extension !== undefined) {
    words.push(`extension is ${either(list(when.extension).map((ext) => `.${ext.replace(/^\./, '')}`))}`);
  }
  if (when.contentType !== undefined) words.push(`file type is ${either(list(when.contentType))}`);
  const size = range('size', when.size);
  if (size) words.push(size);
  const age = range('age', when.age);
  if (age) words.push(age);
  if (when.timeOfDay) {
    const days = when.timeOfDay.days?.length ? ` on ${either(when.timeOfDay.days)}` : '';
    words.push(`between ${when.timeOfDay.from} and ${when.timeOfDay.to}${days}`);
  }
  const tags = when.tags;
  if (tags?.all?.length) words.push(`tagged ${either(tags.all, 'and')}`);
  if (tags?.any?.length) words.push(`tagged ${either(tags.any)}`);
  if (tags?.none?.length) words.push(`not tagged ${either(tags.none)}`);
  const prediction = when.prediction;
  if (prediction) {
    if (prediction.present === false) words.push('has no predictions');
    else {
      const parts: string[] = [];
      const classes = list(prediction.class);
      if (classes.length) parts.push(`label ${either(classes)}`);
      const score = scoreWords(prediction.score);
      if (score) parts.push(score);
      const models = list(prediction.modelVersion);
      if (models.length) parts.push(`model ${either(models)}`);
      const match = prediction.match ?? 'any';
      const subject =
        match === 'all'
          ? 'every prediction has'
          : match === 'none'
            ? 'no prediction has'
            : 'a prediction has';
      words.push(parts.length ? `${subject} ${parts.join(', ')}` : 'has predictions');
    }
  }
  if (when.sample !== undefined) words.push(`a stable ${when.sample}% sample`);
  return words;
}

export function rateInWords(rate: RateCap | undefined): string | undefined {
  if (!rate) return undefined;
  const caps = [
    rate.perMinute !== undefined ? `${rate.perMinute} a minute` : undefined,
    rate.perHour !== undefined ? `${rate.perHour} an hour` : undefined,
    rate.perDay !== undefined ? `${rate.perDay} a day` : undefined,
  ].filter((cap): cap is string => cap !== undefined);
  return caps.length ? `at most ${either(caps, 'and')}; over the cap, later rules decide` : undefined;
}

export function ruleView(rule: Rule, index: number): RuleView {
  // `to` (destinations) belongs to configs with several destinations; shown when present.
  const to = list((rule as { to?: string | string[] }).to);
  return {
    index,
    name: rule.name,
    description: rule.description,
    action: rule.action,
    conditions: conditionsInWords(rule.when),
    reason: rule.reason,
    priority: rule.priority ?? 0,
    to: to.length ? to : undefined,
    key: rule.key,
    rate: rateInWords(rule.rate),
  };
}
