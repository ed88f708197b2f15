import { isUtf8 } from 'node:buffer';
import type { Inspection } from '../../../shared/inspection.ts';
import { magicType } from './magic.ts';

type Source = Inspection['contentTypeSource'];

/**
 * What a file extension promises. `checked`: the format has a signature we recognise, so bytes
 * that disagree mean a type mismatch (`accepts` lists other signatures that are still fine, e.g.
 * a .dng is a TIFF). `text`: a text format, mismatched only when the bytes are a binary format.
 * Neither: we cannot tell from the bytes (mp3 may start with junk, .dat is anything).
 */
interface ExtensionInfo {
  type: string;
  checked?: boolean;
  text?: boolean;
  accepts?: string[];
}

const checked = (type: string, ...accepts: string[]): ExtensionInfo => ({ type, checked: true, accepts });
const text = (type: string): ExtensionInfo => ({ type, text: true });
const ZIP_BASED = ['application/zip'];
const TIFF_BASED = ['image/tiff'];

const EXTENSIONS: Record<string, ExtensionInfo> = {
  jpg: checked('image/jpeg'),
  jpeg: checked('image/jpeg'),
  jpe: checked('image/jpeg'),
  jfif: checked('image/jpeg'),
  png: checked('image/png'),
  gif: checked('image/gif'),
  webp: checked('image/webp'),
  tif: checked('image/tiff'),
  tiff: checked('image/tiff'),
  bmp: checked('image/bmp'),
  heic: checked('image/heic', 'image/heif', 'image/avif'),
  heif: checked('image/heif', 'image/heic', 'image/avif'),
  avif: checked('image/avif', 'image/heif'),
  dng: checked('image/x-adobe-dng', ...TIFF_BASED),
  nef: checked('image/x-nikon-nef', ...TIFF_BASED),
  cr2: checked('image/x-canon-cr2', ...TIFF_BASED),
  arw: checked('image/x-sony-arw', ...TIFF_BASED),
  cr3: checked('image/x-canon-cr3'),
  mp4: checked('video/mp4', 'video/quicktime', 'video/3gpp'),
  m4v: checked('video/mp4', 'video/quicktime'),
  mov: checked('video/quicktime', 'video/mp4'),
  m4a: checked('audio/mp4', 'video/mp4'),
  '3gp': checked('video/3gpp', 'video/mp4'),
  avi: checked('video/x-msvideo'),
  wav: checked('audio/wav'),
  flac: checked('audio/flac'),
  ogg: checked('audio/ogg'),
  oga: checked('audio/ogg'),
  opus: checked('audio/ogg'),
  mp3: { type: 'audio/mpeg' },
  pdf: checked('application/pdf'),
  zip: checked('application/zip'),
  docx: checked('application/vnd.openxmlformats-officedocument.wordprocessingml.document', ...ZIP_BASED),
  xlsx: checked('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ...ZIP_BASED),
  npz: checked('application/x-npz', ...ZIP_BASED),
  gz: checked('application/gzip'),
  tgz: checked('application/gzip'),
  zst: checked('application/zstd'),
  xz: checked('application/x-xz'),
  bz2: checked('application/x-bzip2'),
  '7z': checked('application/x-7z-compressed'),
  tar: checked('application/x-tar'),
  parquet: checked('application/vnd.apache.parquet'),
  sqlite: checked('application/vnd.sqlite3'),
  sqlite3: checked('application/vnd.sqlite3'),
  h5: checked('application/x-hdf5'),
  hdf5: checked('application/x-hdf5'),
  npy: checked('application/x-npy'),
  csv: text('text/csv'),
  tsv: text('text/tab-separated-values'),
  json: text('application/json'),
  ndjson: text('application/x-ndjson'),
  jsonl: text('application/x-ndjson'),
  xml: text('application/xml'),
  yaml: text('application/yaml'),
  yml: text('application/yaml'),
  txt: text('text/plain'),
  log: text('text/plain'),
  md: text('text/markdown'),
  html: text('text/html'),
  htm: text('text/html'),
  nmea: text('text/plain'),
};

export const OCTET_STREAM = 'application/octet-stream';

function extensionOf(fileName: string): string {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/** Bytes at the end that start a multi-byte character the head cut off (0 when none). */
function cutCharacterLength(head: Uint8Array): number {
  for (let back = 1; back <= 3 && back <= head.length; back++) {
    const byte = head[head.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

/** The bytes minus a last character cut off part-way (by the head or a scan limit). */
export function withoutCutCharacter(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(0, bytes.length - cutCharacterLength(bytes));
}

/** Valid UTF-8 with no NUL bytes, allowing for a last character cut off by the head. */
export function looksLikeText(head: Uint8Array): boolean {
  return head.indexOf(0) === -1 && isUtf8(withoutCutCharacter(head));
}

const DELIMITERS = [',', '\t', ';'] as const;

/** Two or more lines that split into the same number (>1) of fields. */
function looksLikeDelimited(sample: string): string | undefined {
  const lines = sample.split(/\r?\n/, 6).slice(0, 5);
  if (sample.length === 0 || lines.length < 2) return undefined;
  // The last line may be cut off by the sample, so only complete lines count.
  const complete = lines.length === 6 || sample.endsWith('\n') ? lines : lines.slice(0, -1);
  const rows = complete.filter((line) => line.length > 0);
  if (rows.length < 2) return undefined;
  for (const delimiter of DELIMITERS) {
    const counts = rows.map((line) => line.split(delimiter).length - 1);
    if (counts[0]! > 0 && counts.every((n) => n === counts[0])) {
      return delimiter === '\t' ? 'text/tab-separated-values' : 'text/csv';
    }
  }
  return undefined;
}

/** Names a text file's format from its first characters. */
function textSubtype(head: Uint8Array): string {
  const sample = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, 4096)).toString('utf8');
  const trimmed = sample.trimStart();
  // `[` also starts log lines such as `[2024-05-01 12:00:00] INFO`; a JSON array continues differently.
  if (trimmed.startsWith('{') || /^\[\s*[[{"\]]/.test(trimmed)) return 'application/json';
  if (trimmed.startsWith('<?xml')) return 'application/xml';
  return looksLikeDelimited(sample) ?? 'text/plain';
}

/** Content type from magic bytes, then text heuristics, then the extension. */
export function sniffContentType(
  head: Uint8Array,
  fileName: string,
): { contentType: string; source: Source } {
  const magic = magicType(head);
  if (magic) return { contentType: magic, source: 'magic' };
  const ext = EXTENSIONS[extensionOf(fileName)];
  if (head.length > 0 && looksLikeText(head)) {
    if (ext?.text) return { contentType: ext.type, source: 'extension' };
    return { contentType: textSubtype(head), source: 'text-heuristic' };
  }
  if (ext) return { contentType: ext.type, source: 'extension' };
  return { contentType: OCTET_STREAM, source: 'unknown' };
}

/** True when the extension promises one format and the bytes are another (a .jpg that is not JPEG). */
export function isTypeMismatch(fileName: string, sniffed: { contentType: string; source: Source }): boolean {
  const ext = EXTENSIONS[extensionOf(fileName)];
  if (!ext) return false;
  if (ext.text) return sniffed.source === 'magic';
  if (!ext.checked) return false;
  if (sniffed.source !== 'magic') return true;
  return sniffed.contentType !== ext.type && !(ext.accepts ?? []).includes(sniffed.contentType);
}

const TEXT_LIKE = new Set([
  'application/json',
  'application/x-ndjson',
  'application/xml',
  'application/yaml',
  'application/x-yaml',
]);

/** Formats worth scanning for personal data: CSV, JSON, logs, plain text, XML, YAML. */
export function isTextLike(contentType: string): boolean {
  return contentType.startsWith('text/') || TEXT_LIKE.has(contentType);
}
