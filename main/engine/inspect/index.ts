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
  const folderList = (opts.folders ?? []).map(({ id, path, symlinks }) => ({ id, path, symlinks }));
  const folders = new Map(folderList.map((folder) => [folder.id, folder]));
  const forPlugins = plugins.length > 0;
  const inProcess = (target: InspectTarget) =>
    examineFile(target, cfg, sidecars, confinementFor(folders, target), forPlugins);
  const pool =
    (opts.workers ?? 0) > 0
      ? new InspectPool(opts.workers ?? 0, { inspect: cfg, folders: folderList, forPlugins }, inProcess)
      : undefined;
  // Only the target's own fields travel to a worker (callers pass whole queue records).
  const examine = pool
    ? ({ folderId, absPath, relPath }: InspectTarget) => pool.examine({ folderId, absPath, relPath })
    : inProcess;
  return {
    parallel: pool && !forPlugins ? POOLED_PARALLEL : IN_PROCESS_PARALLEL,
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
    close: async () => {
      await pool?.close();
    },
  };
}
