import { UNIT_RULE } from './messages.ts';
import { DURATION_PATTERN, SIZE_PATTERN } from './patterns.ts';

/** Builders for the JSON Schema fragments of every config section, so they all read and check alike. */
export type Schema = Record<string, unknown>;

export const text = (description: string, extra: Schema = {}): Schema => ({
  type: 'string',
  description,
  ...extra,
});

export const bool = (description: string): Schema => ({ type: 'boolean', description });

/** Kept exact (same units as parseSize) so editors flag bad units, not just bad shapes. */
export const sizeSchema = (description: string, examples = '"4KiB", "10MB", "5GiB"'): Schema => ({
  type: ['number', 'string'],
  minimum: 0,
  pattern: SIZE_PATTERN,
  description: `${description} Bytes, or a string like ${examples}. ${UNIT_RULE}`,
});

export const durationSchema = (
  description: string,
  examples = '"500ms", "30s", "5m", "2h", "7d"',
): Schema => ({
  type: ['number', 'string'],
  minimum: 0,
  pattern: DURATION_PATTERN,
  description: `${description} Milliseconds, or a string like ${examples}.`,
});

/** An object that refuses unknown keys, so typos are caught. */
export const objectSchema = (
  description: string,
  properties: Record<string, Schema>,
  required: string[] = [],
): Schema => ({
  type: 'object',
  description,
  additionalProperties: false,
  ...(required.length ? { required } : {}),
  properties,
});
