import type { CustomPiiPattern } from '../../../shared/config.ts';
import type { Tags } from '../../../shared/inspection.ts';
import type { ResolvedInspect } from '../config/types.ts';
import { BUILTIN_DETECTORS, type PiiDetector } from './pii-detectors.ts';

export const PII_DETECTOR_NAMES: readonly string[] = Object.keys(BUILTIN_DETECTORS);

/** `email` and `pii:email` both name the email detector. */
const canonicalName = (name: string) => (name.startsWith('pii:') ? name.slice(4) : name);
const detectorFor = (name: string): PiiDetector | undefined => BUILTIN_DETECTORS[canonicalName(name)];

const compiled = new Map<string, RegExp>();

/** Compiles a custom pattern (always global, so every match counts); throws naming the field. */
export function compileCustomPattern(custom: CustomPiiPattern, field = 'inspect.pii.custom'): RegExp {
  const key = `${custom.flags ?? ''}/${custom.pattern}`;
  const cached = compiled.get(key);
  if (cached) return cached;
  const flags = [...new Set(`${custom.flags ?? ''}g`)].join('');
  let regex: RegExp;
  try {
    regex = new RegExp(custom.pattern, flags);
  } catch (err) {
    throw new Error(
      `${field}: pattern for tag "${custom.tag}" is not a valid regular expression (${(err as Error).message}); fix the pattern or its flags`,
    );
  }
  compiled.set(key, regex);
  return regex;
}

/** Checks detector names, custom tags and patterns up front, so a typo fails at startup. */
export function validatePiiConfig(pii: ResolvedInspect['pii']): void {
  pii.detectors.forEach((name, i) => {
    if (!detectorFor(name)) {
      throw new Error(
        `inspect.pii.detectors[${i}]: unknown detector "${name}"; use some of ${PII_DETECTOR_NAMES.join(', ')}`,
      );
    }
  });
  pii.custom.forEach((custom, i) => {
    const field = `inspect.pii.custom[${i}]`;
    if (typeof custom.tag !== 'string' || custom.tag.trim() === '') {
      throw new Error(`${field}.tag: give the tag this pattern sets, e.g. "pii:employee-id"`);
    }
    if (typeof custom.pattern !== 'string' || custom.pattern === '') {
      throw new Error(`${field}.pattern: give a regular expression, e.g. "EMP-\\\\d{6}"`);
    }
    compileCustomPattern(custom, `${field}.pattern`);
  });
}

function countMatches(text: string, regex: RegExp): number {
  let n = 0;
  for (const match of text.matchAll(regex)) if (match[0].length > 0) n++;
  return n;
}

/** Tags such as `{ 'pii:email': 3 }`: how often each kind of personal data occurs in the text. */
export function detectPii(text: string, cfg: ResolvedInspect['pii']): Tags {
  const tags: Tags = {};
  if (!cfg.enabled || text.length === 0) return tags;
  const add = (tag: string, count: number) => {
    if (count > 0) tags[tag] = (tags[tag] ?? 0) + count;
  };
  for (const name of new Set(cfg.detectors.map(canonicalName))) {
    const detector = detectorFor(name);
    if (detector) add(detector.tag, detector.count(text));
  }
  for (const custom of cfg.custom) add(custom.tag, countMatches(text, compileCustomPattern(custom)));
  return tags;
}
