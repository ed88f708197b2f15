import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** A scratch site: capture folder, data folder, config file. Removed by cleanup(). */
export interface Site {
  root: string;
  captures: string;
  dataDir: string;
  configPath: string;
  cleanup(): Promise<void>;
}

export async function makeSite(
  configBody: (site: { captures: string; dataDir: string }) => string,
): Promise<Site> {
  const root = await mkdtemp(join(tmpdir(), 'edge-capture-site-'));
  const captures = join(root, 'captures');
  const dataDir = join(root, 'data');
  await mkdir(captures, { recursive: true });
  const configPath = join(root, 'site.yaml');
  await writeFile(configPath, configBody({ captures, dataDir }));
  return { root, captures, dataDir, configPath, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/**
 * The lines most test site files share: the data folder and one capture folder `cam` whose files are
 * complete after 200 ms of quiet, and no periodic rescans (tests drop files and wait for them).
 */
export const oneCameraYaml = ({ captures, dataDir }: { captures: string; dataDir: string }): string =>
  `dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    stableWindow: 200ms
reconcileInterval: 0`;

/** Writes a file the way devices do: temp name first, then rename into place. */
export async function dropFile(path: string, content: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.part`;
  await writeFile(temp, content);
  await rename(temp, path);
}

/** Polls until check() returns a truthy value or the timeout passes (then throws with the last value). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 15_000,
): Promise<Exclude<T, undefined | null | false | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last as Exclude<T, undefined | null | false | 0 | ''>;
    await delay(50);
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
}
