import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * One engine per data folder: two engines on one queue would upload files twice.
 *
 * The lock is an exclusive SQLite write lock (an fcntl lock underneath) on `engine-lock.db`,
 * held for the engine's life. The kernel drops it when the process dies however it dies
 * (kill -9, power loss), so there is no stale lock to judge, no pid to trust, and of two
 * engines starting together exactly one gets it. `engine.pid` only names the holder in messages.
 */
const LOCK_FILE = 'engine-lock.db';
const PID_FILE = 'engine.pid';
/** Before this version the lock was a pid file; a leftover one means nothing now. */
const LEGACY_PID_LOCK = 'engine.lock';
/** `status` briefly reads the lock file to test it: a starting engine waits that long, not more. */
const WAIT_FOR_PROBE_MS = 2000;

/**
 * Open lock connections by path. Held here, not only in the release closure: a connection the
 * garbage collector finalizes is closed, and closing it drops the lock while the engine runs.
 */
const heldByThisProcess = new Map<string, DatabaseSync>();

export function acquireDataDirLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  if (heldByThisProcess.has(path)) throw inUse(dataDir);
  const db = new DatabaseSync(path, { timeout: WAIT_FOR_PROBE_MS });
  try {
    // No journal: nothing is ever written, and a journal left by kill -9 would be a file to explain.
    db.exec('PRAGMA journal_mode=OFF');
    db.exec('PRAGMA locking_mode=EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if (isBusy(error)) throw inUse(dataDir);
    throw error;
  }
  heldByThisProcess.set(path, db);
  writeFileSync(join(dataDir, PID_FILE), `${process.pid}\n`);
  rmSync(join(dataDir, LEGACY_PID_LOCK), { force: true });
  return () => {
    if (!heldByThisProcess.delete(path)) return;
    rmSync(join(dataDir, PID_FILE), { force: true });
    // The lock file itself stays: removing it while another engine waits on it would let a
    // third create a fresh file and lock that one too.
    db.exec('ROLLBACK');
    db.close();
  };
}

/**
 * Whether an engine holds the data folder's lock right now, asked of the lock itself (not of a
 * heartbeat's age). Undefined when this process cannot tell (no read access to the lock file).
 */
export function engineHoldsLock(dataDir: string): boolean | undefined {
  const path = join(dataDir, LOCK_FILE);
  if (heldByThisProcess.has(path)) return true;
  if (!existsSync(path)) return false;
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: true, timeout: 0 });
  } catch {
    return undefined;
  }
  try {
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    db.exec('COMMIT');
    return false;
  } catch (error) {
    return isBusy(error) ? true : undefined;
  } finally {
    db.close();
  }
}

/** The pid the lock holder wrote, for messages only. */
export function lockHolderPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, PID_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isBusy(error: unknown): boolean {
  return (error as { errcode?: number }).errcode === 5 || /database is locked/.test(String(error));
}

function inUse(dataDir: string): Error {
  const pid = lockHolderPid(dataDir);
  return new Error(
    `Another Edge Capture engine${pid ? ` (pid ${pid})` : ''} is already using ${dataDir}. Stop it first, or give this one its own dataDir.`,
  );
}
