import type { Inspection, Predictions } from '../../../shared/inspection.ts';
import type { ResolvedInspect } from '../config/types.ts';
import { type ConfinedFolder, confinementFor } from './confine.ts';
import { type Examined, examineFile } from './examine.ts';
import { validatePiiConfig } from './pii.ts';
import type { InspectorPlugin, PluginContext } from './plugin-types.ts';
import { loadPlugins, runPlugins } from './plugins.ts';
import { confirmUnchanged } from './read-once.ts';
import { readSidecar, SidecarPattern } from './sidecar.ts';
import { sidecarOwnerPrefixes } from './sidecar-owners.ts';
import { InspectPool } from './worker-pool.ts';

export { isTextLike, sniffContentType } from './content-type.ts';
export { InspectFailure, type InspectFailureKind } from './errors.ts';
export { detectPii, PII_DETECTOR_NAMES, validatePiiConfig } from './pii.ts';
export type { InspectorPlugin, PluginContext, PluginResult } from './plugin-types.ts';

export interface InspectTarget {
  folderId: string;
  absPath: string;
  /** Relative to the capture folder. */
  relPath: string;
}

export interface Inspector {
  /** Reads the file once and reports what it is. Throws InspectFailure (vanished, unreadable, too_large, changed). */
  inspect(target: InspectTarget): Promise<Inspection>;
  /** True for names matching the sidecar pattern: those describe another file and are not captures themselves. */
  isSidecar(relPath: string): boolean;
  /** Where this file's sidecar would be. */
  sidecarPathFor(absPath: string): string;
  /** Path prefixes of the captures a sidecar may describe (confirm each with sidecarPathFor). */
  sidecarOwnerPrefixes(sidecarAbsPath: string): string[];
  /** Reads the file's sidecar alone: for predictions that arrive after the file was inspected. */
  readSidecarOf(target: InspectTarget): Promise<SidecarFindings>;
  /** How many inspect() calls are worth keeping in flight at once. */
  readonly parallel: number;
  /**
   * The capture folders changed while running (a live config change): files are confined to the new
   * list from now on. Workers busy with the old list finish their files, then stop.
   */
  setFolders(folders: readonly ConfinedFolder[]): void;
  /** Stops the inspection workers, if any. */
  close(): Promise<void>;
}

export interface SidecarFindings {
  predictions?: Predictions;
  warnings: string[];
}

/** Plugins run here, on the thread that loaded them, after the file was examined (maybe in a worker). */
async function inspectFile(
  target: InspectTarget,
  plugins: InspectorPlugin[],
  examine: (target: InspectTarget) => Promise<Examined>,
): Promise<Inspection> {
  const examined = await examine(target);
  if (plugins.length === 0) return examined.inspection;
  const { inspection } = examined;
  const ctx: PluginContext = {
    absPath: target.absPath,
    relPath: target.relPath,
    folderId: target.folderId,
    size: inspection.size,
    contentType: inspection.contentType,
    head: examined.head ?? new Uint8Array(0),
  };
  if (examined.text !== undefined) ctx.text = examined.text;
  await runPlugins(plugins, ctx, inspection);
  // Plugins may read the file themselves: it must still be the file that was examined.
  await confirmUnchanged(target.absPath, examined.identity);
  return inspection;
}

/** Files inspected at once when workers do the reading (each worker keeps its own reads in flight). */
const POOLED_PARALLEL = 256;
/** Files inspected at once on the main thread, and with plugins (user code) in the loop. */
const IN_PROCESS_PARALLEL = 16;

/**
 * Builds an inspector from the resolved config; loads plugins (paths relative to baseDir, default
 * cwd). `folders` gives each capture folder's `symlinks` setting (default: links must stay inside).
 * `workers` > 0 reads, hashes and scans files in that many worker threads (the engine does; tests
 * and dry runs inspect in process). close() stops them.
 */
export async function createInspector(
  cfg: ResolvedInspect,
  opts: { baseDir?: string; folders?: readonly ConfinedFolder[]; workers?: number } = {},
): Promise<Inspector> {
  validatePiiConfig(cfg.pii);
  const sidecars = new SidecarPattern(cfg.sidecarPattern);
  const plugins = await loadPlugins(cfg.plugins, opts.baseDir ?? process.cwd());
  const listOf = (list: readonly ConfinedFolder[]) =>
    list.map(({ id, path, symlinks }) => ({ id, path, symlinks }));
  let folderList = listOf(opts.folders ?? []);
  const folders = new Map(folderList.map((folder) => [folder.id, folder]));
  const forPlugins = plugins.length > 0;
  const inProcess = (target: InspectTarget) =>
    examineFile(target, cfg, sidecars, confinementFor(folders, target), forPlugins);
  const workers = opts.workers ?? 0;
  const newPool = () =>
    workers > 0
      ? new InspectPool(workers, { inspect: cfg, folders: folderList, forPlugins }, inProcess)
      : undefined;
  let pool = newPool();
  // Files in flight per pool, so a pool set up with an old folder list is closed once it is done.
  const inFlight = new Map<InspectPool, number>();
  const retired = new Set<InspectPool>();
  const settle = (used: InspectPool) => {
    const left = (inFlight.get(used) ?? 1) - 1;
    inFlight.set(used, left);
    if (left === 0 && retired.has(used)) {
      retired.delete(used);
      inFlight.delete(used);
      void used.close();
    }
  };
  // Only the target's own fields travel to a worker (callers pass whole queue records).
  const examine = (target: InspectTarget): Promise<Examined> => {
    const used = pool;
    if (!used) return inProcess(target);
    inFlight.set(used, (inFlight.get(used) ?? 0) + 1);
    const { folderId, absPath, relPath } = target;
    return used.examine({ folderId, absPath, relPath }).finally(() => settle(used));
  };
  return {
    parallel: workers > 0 && !forPlugins ? POOLED_PARALLEL : IN_PROCESS_PARALLEL,
    inspect: (target) => inspectFile(target, plugins, examine),
    isSidecar: (relPath) => sidecars.matches(relPath),
    sidecarPathFor: (absPath) => sidecars.pathFor(absPath),
    sidecarOwnerPrefixes: (sidecarAbsPath) => sidecarOwnerPrefixes(cfg.sidecarPattern, sidecarAbsPath),
    readSidecarOf: (target) => {
      const source = sidecars.relPathFor(target.relPath);
      return readSidecar(sidecars.pathFor(target.absPath), source, confinementFor(folders, target)).catch(
        (err: Error) => ({ warnings: [`sidecar ${source}: ${err.message}`] }),
      );
    },
    setFolders: (list) => {
      folderList = listOf(list);
      folders.clear();
      for (const folder of folderList) folders.set(folder.id, folder);
      const old = pool;
      pool = newPool();
      if (!old) return;
      if ((inFlight.get(old) ?? 0) === 0) void old.close();
      else retired.add(old);
    },
    close: async () => {
      await Promise.all([pool, ...retired].map((p) => p?.close()));
      retired.clear();
    },
  };
}
