import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Prediction, PredictionBox, Predictions } from '../../../shared/inspection.ts';

/** A sidecar larger than this is not a prediction file someone meant us to read. */
const MAX_SIDECAR_BYTES = 16 * 1024 * 1024;
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

/** Reads and parses a sidecar. A missing sidecar is normal: no predictions and no warning. */
export async function readSidecar(
  sidecarAbsPath: string,
  source: string,
): Promise<{ predictions?: Predictions; warnings: string[] }> {
  // Most captures have no sidecar. A failed async open costs an Error with a stack trace per file,
  // which dominated small-file inspection; a no-throw stat of a cached directory entry costs ~1 µs.
  if (!statSync(sidecarAbsPath, { throwIfNoEntry: false })) return { warnings: [] };
  let bytes: Buffer;
  try {
    const handle = await open(sidecarAbsPath, 'r');
    try {
      if ((await handle.stat()).size > MAX_SIDECAR_BYTES) {
        return { warnings: [`sidecar ${source} is larger than 16 MiB; predictions ignored`] };
      }
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (err) {
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
