import { Ajv, type ValidateFunction } from 'ajv';
import { addSchemaIssues } from './ajv-issues.ts';
import type { IssueList } from './errors.ts';
import { CONFIG_SCHEMA } from './schema.ts';

let validator: ValidateFunction | undefined;

/** Validates a parsed document against the published schema, adding every problem (not just the first). */
export function checkSchema(doc: unknown, issues: IssueList): void {
  if (doc === null || doc === undefined) {
    issues.add(
      '',
      'the configuration is empty.',
      'Start from build/examples/minimal.yaml: it needs at least site and folders.',
    );
    return;
  }
  validator ??= new Ajv({
    allErrors: true,
    verbose: true,
    allowUnionTypes: true,
    strict: true,
    discriminator: true,
  }).compile(CONFIG_SCHEMA);
  if (!validator(doc)) addSchemaIssues(validator.errors ?? [], doc, issues);
}
