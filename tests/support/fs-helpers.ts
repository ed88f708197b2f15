import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedFolder } from '../../main/engine/config/types.ts';
import { DEFAULT_TEMP_PREFIXES, DEFAULT_TEMP_SUFFIXES } from '../../main/engine/config/types.ts';

export { sleep };

/** A fresh temp directory, removed by the returned cleanup. */
export async function makeTempDir(
  prefix = 'edge-capture-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A resolved folder with the real defaults, short windows for tests. */
export function folderAt(dir: string, overrides: Partial<ResolvedFolder> = {}): ResolvedFolder {
  return {
    id: 'cam',
    path: dir,
    recursive: true,
    polling: false,
    pollIntervalMs: 100,
    completion: 'auto',
    stableWindowMs: 200,
    tempSuffixes: [...DEFAULT_TEMP_SUFFIXES],
    tempPrefixes: [...DEFAULT_TEMP_PREFIXES],
    ignoreDotfiles: true,
    ignore: [],
    device: 'test-device',
    symlinks: 'inside',
    ...overrides,
  };
}

/** Polls until `check` returns a value other than undefined/false, or fails naming `what`. */
export async function waitFor<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 5_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
