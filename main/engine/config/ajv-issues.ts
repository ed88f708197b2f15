import type { ErrorObject } from 'ajv';
import type { IssueList } from './errors.ts';
import {
  notAContentType,
  notADuration,
  notAnId,
  notASize,
  notATimeOfDay,
  type Problem,
  show,
} from './messages.ts';
import {
  DURATION_PATTERN,
  ID_PATTERN,
  METADATA_NAME_PATTERN,
  MIME_PATTERN,
  SIZE_PATTERN,
  TIME_PATTERN,
} from './patterns.ts';
import { didYouMean } from './suggest.ts';

/** Turns ajv's errors into issues an operator can act on: what is wrong, and how to fix it. */

type SchemaNode = {
  description?: string;
  pattern?: string;
  properties?: Record<string, SchemaNode>;
  enum?: unknown[];
};

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (indented "key: value" lines)',
  null: 'nothing',
};

export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function valueAt(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return show(value);
}

function expectedTypes(type: unknown): string {
  const types = String(type).split(',');
  if (types.length === 2 && types.includes('string') && types.includes('array'))
    return 'text or a list of text';
  return types.map((t) => TYPE_WORDS[t] ?? t).join(' or ');
}

/** Units and names have one wording whatever the schema keyword that caught them. */
function patternProblem(schema: SchemaNode, value: unknown): Problem | undefined {
  switch (schema.pattern) {
    case SIZE_PATTERN:
      return notASize(value);
    case DURATION_PATTERN:
      return notADuration(value);
    case TIME_PATTERN:
      return notATimeOfDay(value);
    case ID_PATTERN:
      return notAnId(value);
    case MIME_PATTERN:
      return notAContentType(value);
    default:
      return undefined;
  }
}

function translate(
  error: ErrorObject,
  doc: unknown,
): { path: string; problem: Problem; at: 'key' | 'value' } {
  const schema = (error.parentSchema ?? {}) as SchemaNode;
  const path = error.instancePath;
  const value = valueAt(doc, path);
  const about = schema.description ?? '';
  const params = error.params as Record<string, unknown>;
  const special = patternProblem(schema, value);
  const unitTyped = schema.pattern === SIZE_PATTERN || schema.pattern === DURATION_PATTERN;
  if (special && (['pattern', 'minimum', 'minLength'].includes(error.keyword) || unitTyped)) {
    return { path, problem: special, at: 'value' };
  }
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(schema.properties ?? {});
      return {
        path: `${path}/${escapePointer(key)}`,
        problem: {
          message: `unknown key "${key}".`,
          hint: `${didYouMean(key, allowed)}Allowed keys here: ${allowed.join(', ')}.`,
        },
        at: 'key',
      };
    }
    case 'required': {
      const key = String(params.missingProperty);
      const help = schema.properties?.[key]?.description ?? '';
      return {
        path: `${path}/${escapePointer(key)}`,
        problem: { message: `"${key}" is required here but missing.`, hint: `Add ${key}. ${help}`.trim() },
        at: 'value',
      };
    }
    case 'type':
      return {
        path,
        problem: {
          message: `expected ${expectedTypes(params.type)}, got ${describeValue(value)}.`,
          hint: about,
        },
        at: 'value',
      };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      return {
        path,
        problem: {
          message: `${show(value)} is not one of: ${allowed.join(', ')}.`,
          hint: `${typeof value === 'string' ? didYouMean(value, allowed) : ''}${about}`.trim(),
        },
        at: 'value',
      };
    }
    case 'minimum':
    case 'maximum':
      return {
        path,
        problem: {
          message: `${show(value)} is ${error.keyword === 'minimum' ? 'below the minimum' : 'above the maximum'} ${params.limit}.`,
          hint: about,
        },
        at: 'value',
      };
    case 'minLength':
      return { path, problem: { message: 'must not be empty.', hint: about }, at: 'value' };
    case 'minItems':
      return {
        path,
        problem: {
          message: `must list at least ${params.limit} item${params.limit === 1 ? '' : 's'}.`,
          hint: about,
        },
        at: 'value',
      };
    case 'uniqueItems': {
      const list = Array.isArray(value) ? value : [];
      return {
        path: `${path}/${params.i}`,
        problem: {
          message: `${show(list[Number(params.i)])} is listed twice.`,
          hint: 'List each value once.',
        },
        at: 'value',
      };
    }
    case 'propertyNames':
      return {
        path: `${path}/${escapePointer(String(params.propertyName))}`,
        problem: {
          message: `"${params.propertyName}" is not a valid metadata name.`,
          hint: `Use letters, digits, "_" and "-" (pattern ${METADATA_NAME_PATTERN}).`,
        },
        at: 'key',
      };
    case 'pattern':
      return {
        path,
        problem: { message: `${show(value)} does not have the expected form.`, hint: about },
        at: 'value',
      };
    default:
      return { path, problem: { message: `${error.message ?? 'is not valid'}.`, hint: about }, at: 'value' };
  }
}

export function addSchemaIssues(errors: readonly ErrorObject[], doc: unknown, issues: IssueList): void {
  const seen = new Set<string>();
  for (const error of errors) {
    // propertyNames reports once for the name and once for the inner pattern; keep the first.
    if (error.propertyName !== undefined) continue;
    const { path, problem, at } = translate(error, doc);
    const id = `${path}\u0000${problem.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.add(path, problem.message, problem.hint, at);
  }
}
