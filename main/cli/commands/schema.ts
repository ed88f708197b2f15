import { CONFIG_SCHEMA } from '../../engine/config/schema.ts';
import { printJson } from '../common.ts';
import { EXIT } from '../errors.ts';

export async function schemaCommand(): Promise<number> {
  printJson(CONFIG_SCHEMA);
  return EXIT.ok;
}
