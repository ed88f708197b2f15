/**
 * Where the UI gets a capture's pictures. Bytes do not travel over the contract's messages: the UI
 * points an `<img>` at these paths, which browser mode serves over HTTP behind the same access check
 * (main/serve/media-route.ts) and the desktop shell's app:// handler forwards to the engine host, which
 * answers with the same code (main/electron/media-forward.ts).
 * Answers: 200 with the bytes (thumbnails are WebP, images as captured; text previews as JSON), or a status with one sentence
 * and an `X-Media-Error` header holding one of MEDIA_ERROR_CODES.
 */
export const MEDIA_ROUTE_PREFIX = '/media/';

/** A WebP thumbnail, 160 px on its long side, made once per content and cached by the engine. */
export function thumbnailPath(fileId: number): string {
  return `${MEDIA_ROUTE_PREFIX}thumb/${fileId}`;
}

/** The capture's own bytes (JPEG, PNG, WebP or GIF), for the Review view's full picture. */
export function imagePath(fileId: number): string {
  return `${MEDIA_ROUTE_PREFIX}image/${fileId}`;
}

/**
 * A text-like capture's preview as JSON ({@link TextPreviewAnswer}): the first 64 KiB of CSV, JSON,
 * NDJSON, logs or plain text, decoded as UTF-8; CSV also split into rows, JSON pretty-printed.
 */
export function textPath(fileId: number): string {
  return `${MEDIA_ROUTE_PREFIX}text/${fileId}`;
}

/** The body of a 200 from {@link textPath}. Show `text` as text, never as markup. */
export interface TextPreviewAnswer {
  /** The inspected content type (from the bytes, not the name). */
  contentType: string;
  text: string;
  /** True when the file is longer than `text` shows. */
  truncated: boolean;
  /** CSV/TSV only: the first rows (at most 200), split into cells. */
  rows?: string[][];
}

export const MEDIA_ERROR_CODES = [
  'unknown_file', // 404: the queue has no file with this id
  'not_inspected', // 409: no sha256 yet, the engine has not read the file
  'not_an_image', // 415: not a picture format that is shown (or not a picture at all)
  'not_text', // 415: not a text format previewed as text (a picture, a binary file)
  'not_served', // 403: a state whose bytes are never read (refused link, too large, unreadable)
  'gone', // 410: the local copy is no longer there (retention deleted it, or it vanished)
  'changed', // 409: the bytes on disk are not the ones the queue inspected
  'outside_folders', // 403: its real path leads out of its capture folder (a link, a moved folder)
  'too_large', // 413: over the byte or pixel limit
  'undecodable', // 422: damaged, or not really what its header says
  'io', // 500: the disk said no
] as const;
export type MediaErrorCode = (typeof MEDIA_ERROR_CODES)[number];

export type MediaKind = 'thumb' | 'image' | 'text';

/** What a `/media/…` path asks for; the only spellings answered (ids are plain positive numbers). */
const MEDIA_PATH = /^\/media\/(thumb|image|text)\/([1-9]\d{0,14})$/;

/** `/media/thumb/12` → `{ kind: 'thumb', fileId: 12 }`; anything else (other kinds, `..`, `012`, `1e3`) → undefined. */
export function parseMediaPath(pathname: string): { kind: MediaKind; fileId: number } | undefined {
  const match = MEDIA_PATH.exec(pathname);
  if (!match) return undefined;
  return { kind: match[1] as MediaKind, fileId: Number(match[2]) };
}

/**
 * Codes the desktop app's `app://…/media/` adds when the engine host cannot answer at all (the
 * picture's own problems use MEDIA_ERROR_CODES): it is not running (restarting, stopping: 503) or
 * did not answer in time (504).
 */
export const MEDIA_FORWARD_ERROR_CODES = ['engine_unavailable', 'engine_timeout'] as const;
export type MediaForwardErrorCode = (typeof MEDIA_FORWARD_ERROR_CODES)[number];
