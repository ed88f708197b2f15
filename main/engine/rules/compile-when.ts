import type { RulePredicates } from '../../../shared/rules.ts';
import type { IssueList } from '../config/errors.ts';
import { notAContentType, notADuration, notASize, notATimeOfDay, type Problem } from '../config/messages.ts';
import { MIME_PATTERN, WEEKDAYS } from '../config/patterns.ts';
import { didYouMean } from '../config/suggest.ts';
import { parseDuration, parseSize } from '../config/units.ts';
import { predictionCheck, tagsCheck } from './content-predicates.ts';
import {
  ageCheck,
  contentTypeCheck,
  extensionCheck,
  folderCheck,
  globCheck,
  sizeCheck,
} from './file-predicates.ts';
import { globProblem } from './glob.ts';
import { sampleCheck } from './sample.ts';
import { parseTimeOfDay, timeOfDayCheck } from './time-predicate.ts';
import type { Check } from './types.ts';
import { asList } from './words.ts';

/**
 * Turns a rule's `when` into checks, once, reporting anything the schema cannot see (unknown folder
 * ids, bad globs, min above max…). Cheap checks come first so most files fail fast.
 */
export function compileWhen(
  when: RulePredicates,
  at: string,
  ruleName: string,
  folderIds: readonly string[],
  issues: IssueList,
): Check[] {
  const checks: Check[] = [];
  const report = (path: string, problem: Problem) =>
    issues.add(`${at}/${path}`, problem.message, problem.hint);
  const listPath = (key: string, value: unknown, i: number) => (Array.isArray(value) ? `${key}/${i}` : key);

  if (when.folder !== undefined) {
    const ids = asList(when.folder);
    ids.forEach((id, i) => {
      if (!folderIds.includes(id)) {
        report(listPath('folder', when.folder, i), {
          message: `no folder has the id "${id}".`,
          hint: `${didYouMean(id, folderIds)}Folder ids here: ${folderIds.join(', ')}.`,
        });
      }
    });
    checks.push(folderCheck(ids));
  }
  if (when.extension !== undefined) {
    const extensions = asList(when.extension);
    extensions.forEach((ext, i) => {
      if (ext.replace(/^\.+/, '') === '') {
        report(listPath('extension', when.extension, i), {
          message: `${JSON.stringify(ext)} is not an extension.`,
          hint: 'Write the extension, e.g. "jpg" or ".jpg".',
        });
      }
    });
    checks.push(extensionCheck(extensions));
  }
  if (when.glob !== undefined) {
    const globs = asList(when.glob);
    globs.forEach((glob, i) => {
      const problem = globProblem(glob);
      if (problem) report(listPath('glob', when.glob, i), problem);
    });
    checks.push(globCheck(globs));
  }
  if (when.contentType !== undefined) {
    const types = asList(when.contentType);
    const mime = new RegExp(MIME_PATTERN);
    types.forEach((type, i) => {
      if (!mime.test(type)) report(listPath('contentType', when.contentType, i), notAContentType(type));
    });
    checks.push(contentTypeCheck(types));
  }
  if (when.size !== undefined) {
    const bounds = compileRange(when.size, parseSize, notASize);
    for (const [path, problem] of bounds.problems) report(`size${path}`, problem);
    checks.push(sizeCheck(bounds.min, bounds.max));
  }
  if (when.age !== undefined) {
    const bounds = compileRange(when.age, parseDuration, notADuration);
    for (const [path, problem] of bounds.problems) report(`age${path}`, problem);
    checks.push(ageCheck(bounds.min, bounds.max));
  }
  if (when.timeOfDay !== undefined) {
    const { from, to, days } = when.timeOfDay;
    const start = parseTimeOfDay(String(from));
    const end = parseTimeOfDay(String(to));
    if (start === undefined) report('timeOfDay/from', notATimeOfDay(from));
    if (end === undefined) report('timeOfDay/to', notATimeOfDay(to));
    if (start !== undefined && start === end) {
      report('timeOfDay', {
        message: `from and to are both ${from}, so the window is empty.`,
        hint: 'Give different times; to earlier than from wraps past midnight (22:00 to 06:00). Remove timeOfDay to match all day.',
      });
    }
    (days ?? []).forEach((day, i) => {
      if (!(WEEKDAYS as readonly string[]).includes(String(day).toLowerCase())) {
        report(`timeOfDay/days/${i}`, {
          message: `${JSON.stringify(day)} is not a day.`,
          hint: `${didYouMean(String(day), WEEKDAYS)}Use ${WEEKDAYS.join(', ')}.`,
        });
      }
    });
    checks.push(timeOfDayCheck(start ?? 0, end ?? 0, days));
  }
  if (when.tags !== undefined) {
    for (const group of ['all', 'any', 'none'] as const) {
      (when.tags[group] ?? []).forEach((pattern, i) => {
        if (pattern.indexOf('*') !== -1 && pattern.indexOf('*') !== pattern.length - 1) {
          report(`tags/${group}/${i}`, {
            message: `tag pattern ${JSON.stringify(pattern)} has a "*" before its end.`,
            hint: 'Only a trailing "*" is supported, e.g. "pii:*".',
          });
        }
      });
    }
    checks.push(tagsCheck(when.tags));
  }
  if (when.prediction !== undefined) {
    checks.push(compilePrediction(when.prediction, report));
  }
  if (when.sample !== undefined) {
    if (!(typeof when.sample === 'number' && when.sample >= 0 && when.sample <= 100)) {
      report('sample', {
        message: `sample ${JSON.stringify(when.sample)} is not a percentage.`,
        hint: 'Use a number from 0 to 100, e.g. 5 for 5% of files.',
      });
    }
    checks.push(sampleCheck(ruleName, when.sample));
  }
  return checks;
}

function compileRange<T>(
  range: { min?: T; max?: T },
  parse: (value: unknown) => number | undefined,
  invalid: (value: unknown) => Problem,
): { min?: number; max?: number; problems: [string, Problem][] } {
  const problems: [string, Problem][] = [];
  const bound = (key: 'min' | 'max') => {
    if (range[key] === undefined) return undefined;
    const value = parse(range[key]);
    if (value === undefined) problems.push([`/${key}`, invalid(range[key])]);
    return value;
  };
  const min = bound('min');
  const max = bound('max');
  if (min !== undefined && max !== undefined && min > max) {
    problems.push([
      '',
      {
        message: `min ${range.min} is larger than max ${range.max}.`,
        hint: 'Swap them, or remove one bound.',
      },
    ]);
  }
  return { min, max, problems };
}

function compilePrediction(
  prediction: NonNullable<RulePredicates['prediction']>,
  report: (path: string, problem: Problem) => void,
): Check {
  const { score, present, modelVersion } = prediction;
  const hasItemFilter = prediction.class !== undefined || score !== undefined;
  for (const key of ['min', 'max', 'near', 'within'] as const) {
    const value = score?.[key];
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= 1)) {
      report(`prediction/score/${key}`, {
        message: `score ${JSON.stringify(value)} is outside 0..1.`,
        hint: 'Model scores run from 0 to 1, e.g. 0.5.',
      });
    }
  }
  if (score?.min !== undefined && score.max !== undefined && score.min > score.max) {
    report('prediction/score', {
      message: `min ${score.min} is larger than max ${score.max}.`,
      hint: 'Swap them, or remove one bound.',
    });
  }
  if ((score?.near === undefined) !== (score?.within === undefined)) {
    report('prediction/score', {
      message: 'near and within go together.',
      hint: 'Give both, e.g. near: 0.5 and within: 0.1 for scores from 0.4 to 0.6.',
    });
  }
  if (present === false && (hasItemFilter || prediction.match !== undefined || modelVersion !== undefined)) {
    report('prediction/present', {
      message:
        'present: false means the file has no predictions, so the other prediction conditions can never hold.',
      hint: 'Remove present: false, or the other prediction conditions.',
    });
  }
  const onlyPresence = present !== undefined || modelVersion !== undefined;
  return predictionCheck({
    classes: prediction.class === undefined ? undefined : asList(prediction.class),
    min: score?.min,
    max: score?.max,
    near: score?.near,
    within: score?.within,
    match: prediction.match ?? (hasItemFilter || !onlyPresence ? 'any' : undefined),
    present,
    modelVersions: modelVersion === undefined ? undefined : asList(modelVersion),
  });
}
