/** Writes the published schema: `node main/engine/config/write-schema.ts` (a test checks it is current). */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { configSchemaJson } from './schema.ts';

export const SCHEMA_FILE = fileURLToPath(new URL('../../../build/config.schema.json', import.meta.url));

if (import.meta.main) {
  await writeFile(SCHEMA_FILE, configSchemaJson());
  console.log(`wrote ${SCHEMA_FILE}`);
}
