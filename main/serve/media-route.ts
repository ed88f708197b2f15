/**
 * Browser mode's media route for the Review view: `GET /media/thumb/:fileId` (WebP thumbnail),
 * `GET /media/image/:fileId` (the capture as it is) and `GET /media/text/:fileId` (a text-like
 * capture's first 64 KiB as JSON, never as a page the browser could run). Reached only after the server's access check (Host,
 * Origin, token); the id must be a plain number the queue knows, and the engine side (MediaLibrary)
 * decides which bytes may leave. Bytes over the WebSocket contract would bloat every message; an
 * `<img src>` on this route is what a browser does best (the token cookie rides along).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MEDIA_ROUTE_PREFIX, type TextPreviewAnswer } from '../../shared/contract/media.ts';
import type { MediaLibrary } from '../engine/thumbnails/index.ts';

export type MediaSource = Pick<MediaLibrary, 'thumbnail' | 'image' | 'text' | 'contentHash'>;

type Kind = 'thumb' | 'image' | 'text';
const ROUTE = /^\/media\/(thumb|image|text)\/([1-9]\d{0,14})$/;

/** True when the request was for /media/… (answered here, whatever the outcome). */
export function handleMedia(
  media: MediaSource | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  let pathname: string;
  try {
    pathname = new URL(request.url ?? '/', 'http://x').pathname;
  } catch {
    return false;
  }
  if (!pathname.startsWith(MEDIA_ROUTE_PREFIX)) return false;
  const match = ROUTE.exec(pathname);
  if (!media || !match) {
    answerText(response, 404, 'Not found.');
    return true;
  }
  const kind = match[1] as Kind;
  const fileId = Number(match[2]);
  void serve(media, kind, fileId, request, response).catch(() => {
    if (!response.headersSent) answerText(response, 500, 'The picture could not be served.');
    else response.destroy();
  });
  return true;
}

async function serve(
  media: MediaSource,
  kind: Kind,
  fileId: number,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (kind === 'text') return serveText(media, fileId, request, response);
  // Same content, same tag: a revalidation is answered from the queue without touching the file.
  const hash = media.contentHash(fileId);
  const etag = hash ? `"${kind}-${hash}"` : undefined;
  if (etag && request.headers['if-none-match'] === etag) {
    response.writeHead(304, { ETag: etag, 'Cache-Control': 'private, no-cache' });
    response.end();
    return;
  }
  const result = kind === 'thumb' ? await media.thumbnail(fileId) : await media.image(fileId);
  if (!result.ok) {
    answerText(response, result.error.status, result.error.message, result.error.code);
    return;
  }
  const { bytes, contentType, sha256 } = result.value;
  response.writeHead(200, {
    'Content-Type': contentType,
    'Content-Length': bytes.length,
    ETag: `"${kind}-${sha256}"`,
    // The id's content may change (a file re-captured under the same name): always revalidate.
    'Cache-Control': 'private, no-cache',
    'Content-Disposition': 'inline',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });
  response.end(request.method === 'HEAD' ? undefined : bytes);
}

async function serveText(
  media: MediaSource,
  fileId: number,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const result = await media.text(fileId);
  if (!result.ok) {
    answerText(response, result.error.status, result.error.message, result.error.code);
    return;
  }
  const { contentType, text, truncated, rows } = result.value;
  const answer: TextPreviewAnswer = { contentType, text, truncated, ...(rows ? { rows } : {}) };
  const body = Buffer.from(JSON.stringify(answer));
  response.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Disposition': 'inline',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function answerText(response: ServerResponse, status: number, message: string, code?: string): void {
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
  if (code) headers['X-Media-Error'] = code;
  response.writeHead(status, headers);
  response.end(`${message}\n`);
}
