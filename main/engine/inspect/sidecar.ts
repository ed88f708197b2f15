import fs, { statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Prediction, PredictionBox, Predictions } from '../../../shared/inspection.ts';
import { type Confinement, O_NOFOLLOW, type OpenFd, openConfined } from './confine.ts';
import { InspectFailure } from './errors.ts';

/**
 * A sidecar larger than this is not a prediction file someone meant us to read. 1 MiB holds about
 * ten thousand boxed predictions; with 16 inspections at once it bounds sidecar memory to ~16 MiB
 * (plus the parsed JSON).
 */
export const MAX_SIDECAR_BYTES = 1024 * 1024;
/** Warnings name at most this many dropped items, so one bad file cannot flood the UI. */
const MAX_ITEM_REASONS = 3;

function stemOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/**
 * The sidecar naming pattern, e.g. `{stem}.pred.json`: `{stem}` is the file name without its last
 * extension, `{name}` the whole name. The pattern may contain `/` (e.g. `preds/{stem}.json`),
 * relative to the file's folder.
 */
export class SidecarPattern {
  readonly pattern: string;
  readonly #matcher: RegExp;

  constructor(pattern: string) {
    if (!pattern.includes('{stem}') && !pattern.includes('{name}')) {
      throw new Error(
        `inspect.sidecarPattern "${pattern}" must contain {stem} or {name}, e.g. "{stem}.pred.json"`,
      );
    }
    this.pattern = pattern.replaceAll('\\', '/');
    const parts = this.pattern.split(/(\{stem\}|\{name\})/);
    const regex = parts
      .map((part) =>
        part === '{stem}' || part === '{name}' ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('');
    this.#matcher = new RegExp(`(?:^|/)${regex}$`);
  }

  #nameFor(fileName: string): string {
    return this.pattern.replaceAll('{stem}', stemOf(fileName)).replaceAll('{name}', fileName);
  }

  /** Absolute path of the sidecar for the file at absPath. */
  pathFor(absPath: string): string {
    return path.join(path.dirname(absPath), ...this.#nameFor(path.basename(absPath)).split('/'));
  }

  /** The sidecar's path relative to the capture folder, with `/` separators. */
  relPathFor(relPath: string): string {
    const posixRel = relPath.replaceAll('\\', '/');
    return path.posix.join(path.posix.dirname(posixRel), this.#nameFor(path.posix.basename(posixRel)));
  }

  matches(relPath: string): boolean {
    return this.#matcher.test(relPath.replaceAll('\\', '/'));
  }
}

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const firstDefined = (obj: Record<string, Json>, keys: string[]): Json =>
  keys.map((k) => obj[k]).find((v) => v !== undefined);
const finite = (v: Json): v is number => typeof v === 'number' && Number.isFinite(v);

function parseBox(item: Record<string, Json>): PredictionBox | string | undefined {
  const box = item['box'];
  const bbox = item['bbox'];
  if (isObject(box)) {
    const x = box['x'];
    const y = box['y'];
    const w = box['w'] ?? box['width'];
    const h = box['h'] ?? box['height'];
    if (finite(x) && finite(y) && finite(w) && finite(h)) return { x, y, w, h };
    return 'box needs numeric x, y, w, h';
  }
  if (Array.isArray(bbox)) {
    const [x, y, w, h] = bbox;
    if (bbox.length === 4 && finite(x) && finite(y) && finite(w) && finite(h)) return { x, y, w, h };
    return 'bbox must be [x, y, w, h] numbers';
  }
  return box === undefined && bbox === undefined ? undefined : 'box must be {x,y,w,h} or bbox [x,y,w,h]';
}

/** One prediction, or the reason it was dropped. */
function parseItem(raw: Json): Prediction | string {
  if (!isObject(raw)) return 'not an object';
  const label = firstDefined(raw, ['label', 'class', 'name']);
  if (typeof label !== 'string' && !finite(label)) return 'no label, class or name';
  const score = firstDefined(raw, ['score', 'confidence', 'probability']);
  if (!finite(score) || score < 0 || score > 1)
    return `score ${JSON.stringify(score)} is not a number in [0, 1]`;
  const box = parseBox(raw);
  if (typeof box === 'string') return box;
  return box ? { label: String(label), score, box } : { label: String(label), score };
}

/** Accepts `{model_version, predictions|detections|objects: [...]}` or a bare array of items. */
export function parsePredictions(
  doc: Json,
  source: string,
): { predictions?: Predictions; warnings: string[] } {
  const list = Array.isArray(doc)
    ? doc
    : isObject(doc)
      ? firstDefined(doc, ['predictions', 'detections', 'objects'])
      : undefined;
  if (!Array.isArray(list)) {
    return {
      warnings: [
        `sidecar ${source}: expected an array, or an object with a predictions, detections or objects array`,
      ],
    };
  }
  const items: Prediction[] = [];
  const reasons: string[] = [];
  list.forEach((raw, i) => {
    const item = parseItem(raw);
    if (typeof item === 'string') reasons.push(`item ${i}: ${item}`);
    else items.push(item);
  });
  const predictions: Predictions = { items, source };
  const version = isObject(doc) ? firstDefined(doc, ['model_version', 'modelVersion']) : undefined;
  if (typeof version === 'string' || finite(version)) predictions.modelVersion = String(version);
  const warnings = reasons.length
    ? [
        `sidecar ${source}: dropped ${reasons.length} of ${list.length} predictions (${reasons.slice(0, MAX_ITEM_REASONS).join('; ')}${reasons.length > MAX_ITEM_REASONS ? '; ...' : ''})`,
      ]
    : [];
  return { predictions, warnings };
}

/**
 * Reads and parses a sidecar. A missing sidecar is normal: no predictions and no warning. Sidecars
 * are untrusted like captures: only a regular file in the capture folder (under `confine`), opened
 * without blocking (a FIFO must not stall the batch), and at most MAX_SIDECAR_BYTES of it.
 */
export async function readSidecar(
  sidecarAbsPath: string,
  source: string,
  confine?: Confinement,
): Promise<{ predictions?: Predictions; warnings: string[] }> {
  // Most captures have no sidecar. A failed async open costs an Error with a stack trace per file,
  // which dominated small-file inspection; a no-throw stat of a cached directory entry costs ~1 µs.
  if (!statSync(sidecarAbsPath, { throwIfNoEntry: false })) return { warnings: [] };
  let bytes: Buffer;
  try {
    bytes = await readBounded(sidecarAbsPath, source, confine);
  } catch (err) {
    if (err instanceof SidecarRefused) return { warnings: [err.message] };
    if (err instanceof InspectFailure) {
      return { warnings: [`sidecar ${source} not read: ${err.message} Predictions ignored.`] };
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { warnings: [] };
    return {
      warnings: [`sidecar ${source} could not be read (${code ?? String(err)}); predictions ignored`],
    };
  }
  try {
    return parsePredictions(JSON.parse(bytes.toString('utf8')), source);
  } catch (err) {
    return {
      warnings: [`sidecar ${source} is not valid JSON (${(err as Error).message}); predictions ignored`],
    };
  }
}

/** A sidecar we will not read, with the sentence saying why and what to do. */
class SidecarRefused extends Error {}

const SIDECAR_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);
const openFd: OpenFd = (absPath, noFollow) =>
  new Promise<number>((resolve, reject) =>
    fs.open(absPath, noFollow ? SIDECAR_FLAGS | O_NOFOLLOW : SIDECAR_FLAGS, (err, fd) =>
      err ? reject(err) : resolve(fd),
    ),
  );
const fstat = promisify(fs.fstat);
const read = promisify(fs.read);

async function readBounded(absPath: string, source: string, confine?: Confinement): Promise<Buffer> {
  const fd = confine ? await openConfined(absPath, confine, openFd) : await openFd(absPath, false);
  try {
    const st = await fstat(fd);
    if (!st.isFile()) {
      throw new SidecarRefused(
        `sidecar ${source} is not a regular file (it is a ${kindOf(st)}); predictions ignored. Write prediction sidecars as regular files.`,
      );
    }
    if (st.size > MAX_SIDECAR_BYTES) throw tooLarge(source, st.size);
    // One byte more than the file claims: a file still growing is noticed, and never read past the cap.
    const buffer = Buffer.allocUnsafe(st.size + 1);
    let got = 0;
    while (got < buffer.length) {
      const { bytesRead } = await read(fd, buffer, got, buffer.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got > st.size) {
      throw new SidecarRefused(
        `sidecar ${source} grew while it was being read; predictions ignored (the capture is decided again once the sidecar is complete)`,
      );
    }
    return buffer.subarray(0, got);
  } finally {
    fs.close(fd, () => {});
  }
}

function tooLarge(source: string, size: number): SidecarRefused {
  return new SidecarRefused(
    `sidecar ${source} is ${Math.ceil(size / 1024)} KiB, above the ${MAX_SIDECAR_BYTES / 1024 ** 2} MiB a prediction sidecar may have; predictions ignored. Keep sidecars to the predictions themselves (no embedded images or masks).`,
  );
}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'folder';
  if (st.isFIFO()) return 'named pipe';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  if (st.isSocket()) return 'socket';
  return 'special file';
}
