/**
 * Browser mode's media route for the Review view: `GET /media/thumb/:fileId` (WebP thumbnail),
 * `GET /media/image/:fileId` (the capture as it is) and `GET /media/text/:fileId` (a text-like
 * capture's first 64 KiB as JSON, never as a page the browser could run). Reached only after the server's access check (Host,
 * Origin, token); the id must be a plain number the queue knows, and the engine side (MediaLibrary)
 * decides which bytes may leave. Bytes over the WebSocket contract would bloat every message; an
 * `<img src>` on this route is what a browser does best (the token cookie rides along).
 *
 * The answer itself (status, headers, body) is made by `answerMedia`, which knows nothing of HTTP
 * servers: the desktop app's engine host answers forwarded `app://…/media/` requests with it too
 * (main/electron/media-forward.ts), so both modes send the same bytes, tags and refusals.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  MEDIA_ROUTE_PREFIX,
  type MediaKind,
  parseMediaPath,
  type TextPreviewAnswer,
} from '../../shared/contract/media.ts';
import type { MediaLibrary } from '../engine/thumbnails/index.ts';

export type MediaSource = Pick<MediaLibrary, 'thumbnail' | 'image' | 'text' | 'contentHash'>;

/** One media request, whatever carried it. */
export interface MediaQuery {
  kind: MediaKind;
  fileId: number;
  /** HEAD answers with the headers only. */
  head: boolean;
  /** The request's If-None-Match, if any. */
  ifNoneMatch?: string | undefined;
}

/** A complete answer: what HTTP (browser mode) or a WHATWG Response (desktop app://) sends. */
export interface MediaAnswer {
  status: number;
  headers: Record<string, string>;
  /** Absent for 304 and HEAD. */
  body?: Uint8Array;
}

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
  const asked = parseMediaPath(pathname);
  if (!media || !asked) {
    send(response, mediaTextAnswer(404, 'Not found.'));
    return true;
  }
  const ifNoneMatch = request.headers['if-none-match'];
  void answerMedia(media, { ...asked, head: request.method === 'HEAD', ifNoneMatch }).then(
    (answer) => send(response, answer),
    () => {
      if (!response.headersSent) send(response, mediaTextAnswer(500, 'The picture could not be served.'));
      else response.destroy();
    },
  );
  return true;
}

function send(response: ServerResponse, answer: MediaAnswer): void {
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
}

/** The answer for one media query; throws only on a bug (the caller answers 500). */
export async function answerMedia(media: MediaSource, query: MediaQuery): Promise<MediaAnswer> {
  if (query.kind === 'text') return answerText(media, query);
  // Same content, same tag: a revalidation is answered from the queue without touching the file.
  const hash = media.contentHash(query.fileId);
  const etag = hash ? `"${query.kind}-${hash}"` : undefined;
  if (etag && query.ifNoneMatch === etag) {
    return { status: 304, headers: { ETag: etag, 'Cache-Control': 'private, no-cache' } };
  }
  const result =
    query.kind === 'thumb' ? await media.thumbnail(query.fileId) : await media.image(query.fileId);
  if (!result.ok) return mediaTextAnswer(result.error.status, result.error.message, result.error.code);
  const { bytes, contentType, sha256 } = result.value;
  return {
    status: 200,
    headers: {
      'Content-Type': contentType,
      'Content-Length': String(bytes.length),
      ETag: `"${query.kind}-${sha256}"`,
      // The id's content may change (a file re-captured under the same name): always revalidate.
      'Cache-Control': 'private, no-cache',
      'Content-Disposition': 'inline',
      'Cross-Origin-Resource-Policy': 'same-origin',
    },
    ...(query.head ? {} : { body: bytes }),
  };
}

async function answerText(media: MediaSource, query: MediaQuery): Promise<MediaAnswer> {
  const result = await media.text(query.fileId);
  if (!result.ok) return mediaTextAnswer(result.error.status, result.error.message, result.error.code);
  const { contentType, text, truncated, rows } = result.value;
  const answer: TextPreviewAnswer = { contentType, text, truncated, ...(rows ? { rows } : {}) };
  const body = Buffer.from(JSON.stringify(answer));
  return {
    status: 200,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(body.length),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Disposition': 'inline',
      'Cross-Origin-Resource-Policy': 'same-origin',
    },
    ...(query.head ? {} : { body }),
  };
}

/** A refusal: one sentence as plain text, and the code in `X-Media-Error` when there is one. */
export function mediaTextAnswer(status: number, message: string, code?: string): MediaAnswer {
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
  if (code) headers['X-Media-Error'] = code;
  return { status, headers, body: Buffer.from(`${message}\n`) };
}
