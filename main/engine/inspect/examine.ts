import { isUtf8 } from 'node:buffer';
import type { Inspection } from '../../../shared/inspection.ts';
import type { ResolvedInspect } from '../config/types.ts';
import type { Confinement } from './confine.ts';
import { isTextLike, sniffContentType, withoutCutCharacter } from './content-type.ts';
import { readExif } from './exif.ts';
import { healthTags } from './health.ts';
import { detectPii } from './pii.ts';
import { confirmUnchanged, type FileIdentity, readOnce } from './read-once.ts';
import { readSidecar, type SidecarPattern } from './sidecar.ts';

export interface ExamineTarget {
  folderId: string;
  absPath: string;
  /** Relative to the capture folder. */
  relPath: string;
}

/** What one read of a file tells, before plugins. Plain data: it travels back from a worker thread. */
export interface Examined {
  inspection: Inspection;
  /** The file as read, for the final unchanged-check after plugins. */
  identity: FileIdentity;
  /** Kept only for plugins: the first 64 KiB and the decoded text prefix. */
  head?: Uint8Array;
  text?: string;
}

const utf8 = new TextDecoder('utf-8');

function decodeText(bytes: Buffer): string {
  const whole = withoutCutCharacter(bytes);
  // Not UTF-8 is most often Latin-1 (old CSV exports); decoding it so keeps digits and @ intact.
  return isUtf8(whole) ? utf8.decode(whole) : bytes.toString('latin1');
}

/**
 * Reads the file once and works out everything that needs no plugin: hash, content type, health
 * tags, EXIF, personal data, the sidecar's predictions. Runs in an inspection worker thread or in
 * process. Without plugins the final unchanged-check is done here, alongside the in-memory work;
 * with plugins (`forPlugins`) the caller does it after they ran, as they may read the file.
 */
export async function examineFile(
  target: ExamineTarget,
  cfg: ResolvedInspect,
  sidecars: SidecarPattern,
  confine: Confinement,
  forPlugins: boolean,
): Promise<Examined> {
  const sidecarSource = sidecars.matches(target.relPath) ? undefined : sidecars.relPathFor(target.relPath);
  // Looked up while the file itself is being read: a missing sidecar costs no extra wait.
  const sidecarRead = sidecarSource
    ? readSidecar(sidecars.pathFor(target.absPath), sidecarSource, confine).catch((err: Error) => ({
        predictions: undefined,
        warnings: [`sidecar ${sidecarSource}: ${err.message}`],
      }))
    : undefined;

  const wantsText = cfg.pii.enabled || forPlugins;
  let sniffed = sniffContentType(new Uint8Array(0), target.relPath);
  const file = await readOnce(target.absPath, {
    confine,
    maxFileSize: cfg.maxFileSize,
    textBytesFor(head) {
      sniffed = sniffContentType(head, target.relPath);
      return wantsText && isTextLike(sniffed.contentType) ? cfg.pii.maxScanBytes : 0;
    },
  });

  const unchanged = forPlugins ? undefined : confirmUnchanged(target.absPath, file);
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

  await unchanged;
  const identity = { size: file.size, mtimeMs: file.mtimeMs, ino: file.ino, dev: file.dev };
  if (!forPlugins) return { inspection, identity };
  return text === undefined
    ? { inspection, identity, head: file.head }
    : { inspection, identity, head: file.head, text };
}
