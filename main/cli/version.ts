import { readFile } from 'node:fs/promises';

/** The version in package.json: printed by --version and announced to UIs in the contract handshake. */
export async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}
