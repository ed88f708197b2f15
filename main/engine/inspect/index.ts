import { isUtf8 } from 'node:buffer';
import type { Inspection, Predictions } from '../../../shared/inspection.ts';
import type { ResolvedInspect } from '../config/types.ts';
import { type ConfinedFolder, type Confinement, confinementFor } from './confine.ts';
import { isTextLike, sniffContentType, withoutCutCharacter } from './content-type.ts';
import { readExif } from './exif.ts';
import { healthTags } from './health.ts';
import { detectPii, validatePiiConfig } from './pii.ts';
import type { InspectorPlugin, PluginContext } from './plugin-types.ts';
import { loadPlugins, runPlugins } from './plugins.ts';
import { confirmUnchanged, readOnce } from './read-once.ts';
import { readSidecar, SidecarPattern } from './sidecar.ts';
import { sidecarOwnerPrefixes } from './sidecar-owners.ts';

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
}

export interface SidecarFindings {
  predictions?: Predictions;
  warnings: string[];
}

const utf8 = new TextDecoder('utf-8');

function decodeText(bytes: Buffer): string {
  const whole = withoutCutCharacter(bytes);
  // Not UTF-8 is most often Latin-1 (old CSV exports); decoding it so keeps digits and @ intact.
  return isUtf8(whole) ? utf8.decode(whole) : bytes.toString('latin1');
}

async function inspectFile(
  target: InspectTarget,
  cfg: ResolvedInspect,
  sidecars: SidecarPattern,
  plugins: InspectorPlugin[],
  confine: Confinement,
): Promise<Inspection> {
  const sidecarSource = sidecars.matches(target.relPath) ? undefined : sidecars.relPathFor(target.relPath);
  // Looked up while the file itself is being read: a missing sidecar costs no extra wait.
  const sidecarRead = sidecarSource
    ? readSidecar(sidecars.pathFor(target.absPath), sidecarSource, confine).catch((err: Error) => ({
        predictions: undefined,
        warnings: [`sidecar ${sidecarSource}: ${err.message}`],
      }))
    : undefined;

  const wantsText = cfg.pii.enabled || plugins.length > 0;
  let sniffed = sniffContentType(new Uint8Array(0), target.relPath);
  const file = await readOnce(target.absPath, {
    confine,
    maxFileSize: cfg.maxFileSize,
    textBytesFor(head) {
      sniffed = sniffContentType(head, target.relPath);
      return wantsText && isTextLike(sniffed.contentType) ? cfg.pii.maxScanBytes : 0;
    },
  });

  // Without plugins nothing below touches the file again, so the final check can run alongside
  // the in-memory work; plugins may read the file themselves, so then it waits until they finish.
  const unchanged = plugins.length === 0 ? confirmUnchanged(target.absPath, file) : undefined;
  unchanged?.catch(() => {});

  const inspection: Inspection = {
    size: file.size,
    mtimeMs: file.mtimeMs,
    sha256: file.sha256,
    contentType: sniffed.contentType,
    contentTypeSource: sniffed.source,
    tags: healthTags({ fileName: target.relPath, size: file.size, ...sniffed, tail: file.tail }),
    warnings: [],
  };
  if (file.birthtimeMs > 0) inspection.birthtimeMs = file.birthtimeMs;

  if (file.size > 0) {
    const { exif, warnings } = await readExif(file.head, sniffed.contentType, file.size <= file.head.length);
    if (exif) inspection.exif = exif;
    inspection.warnings.push(...warnings);
  }

  const text = file.text ? decodeText(file.text) : undefined;
  if (text !== undefined && cfg.pii.enabled) Object.assign(inspection.tags, detectPii(text, cfg.pii));

  if (sidecarRead) {
    const { predictions, warnings } = await sidecarRead;
    if (predictions) inspection.predictions = predictions;
    inspection.warnings.push(...warnings);
  }

  if (plugins.length > 0) {
    const ctx: PluginContext = {
      absPath: target.absPath,
      relPath: target.relPath,
      folderId: target.folderId,
      size: file.size,
      contentType: sniffed.contentType,
      head: file.head,
    };
    if (text !== undefined) ctx.text = text;
    await runPlugins(plugins, ctx, inspection);
  }

  await (unchanged ?? confirmUnchanged(target.absPath, file));
  return inspection;
}

/**
 * Builds an inspector from the resolved config; loads plugins (paths relative to baseDir, default
 * cwd). `folders` gives each capture folder's `symlinks` setting (default: links must stay inside).
 */
export async function createInspector(
  cfg: ResolvedInspect,
  opts: { baseDir?: string; folders?: readonly ConfinedFolder[] } = {},
): Promise<Inspector> {
  validatePiiConfig(cfg.pii);
  const sidecars = new SidecarPattern(cfg.sidecarPattern);
  const plugins = await loadPlugins(cfg.plugins, opts.baseDir ?? process.cwd());
  const folders = new Map((opts.folders ?? []).map((folder) => [folder.id, folder]));
  return {
    inspect: (target) => inspectFile(target, cfg, sidecars, plugins, confinementFor(folders, target)),
    isSidecar: (relPath) => sidecars.matches(relPath),
    sidecarPathFor: (absPath) => sidecars.pathFor(absPath),
    sidecarOwnerPrefixes: (sidecarAbsPath) => sidecarOwnerPrefixes(cfg.sidecarPattern, sidecarAbsPath),
    readSidecarOf: (target) => {
      const source = sidecars.relPathFor(target.relPath);
      return readSidecar(sidecars.pathFor(target.absPath), source, confinementFor(folders, target)).catch(
        (err: Error) => ({ warnings: [`sidecar ${source}: ${err.message}`] }),
      );
    },
  };
}
