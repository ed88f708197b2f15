import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One engine per data folder: two engines on one queue would upload files twice.
 * A pid file created exclusively; a stale one (its process is gone, e.g. after kill -9) is taken over.
 */
const heldByThisProcess = new Set<string>();

export function acquireDataDirLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'engine.lock');
  if (heldByThisProcess.has(path)) throw inUse(process.pid, dataDir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      heldByThisProcess.add(path);
      return () => {
        heldByThisProcess.delete(path);
        rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw inUse(holder, dataDir);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`Could not lock ${dataDir}: ${path} keeps reappearing`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function inUse(pid: number, dataDir: string): Error {
  return new Error(
    `Another Edge Capture engine (pid ${pid}) is already using ${dataDir}. Stop it first, or give this one its own dataDir.`,
  );
}
