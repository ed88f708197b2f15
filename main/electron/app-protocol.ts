import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { MEDIA_ROUTE_PREFIX } from '../../shared/contract/media.ts';
import type { MediaForwarder } from './media-forward.ts';
import { APP_HOST, CONTENT_SECURITY_POLICY } from './window-options.ts';

/**
 * The `app://` scheme's handler: serves the built renderer (dist/renderer), and `/media/…` (pictures
 * and text previews) by forwarding to the engine host (media-forward.ts). Nothing else. Pure Node
 * (WHATWG Request/Response), so it is tested on real files without Electron; main.ts hands it to
 * `protocol.handle`.
 */

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeTypeOf(path: string): string {
  return MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** Headers on every response, errors included: the CSP is sent by the scheme, not only by the page. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

export type Resolved = { ok: true; path: string } | { ok: false; status: 400 | 403 | 404; why: string };

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * URL → a regular file under `rootDir`, or why not. Refuses other hosts, encoded separators and NUL
 * bytes, `..` that would leave the root, and links (file or folder) whose target is outside the root.
 */
export async function resolveAppUrl(rootDir: string, url: string): Promise<Resolved> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, status: 400, why: 'not a URL' };
  }
  if (parsed.host !== APP_HOST) return { ok: false, status: 403, why: `host ${parsed.host} is not ours` };
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return { ok: false, status: 400, why: 'bad percent-encoding' };
  }
  if (pathname.includes('\0') || pathname.includes('\\')) {
    return { ok: false, status: 400, why: 'NUL or backslash in the path' };
  }
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  const root = resolve(rootDir);
  // The URL parser already folds `..` segments; this also catches what decoding produced (`%2e%2e%2f`).
  const candidate = resolve(root, `.${pathname}`);
  if (!isInside(root, candidate)) return { ok: false, status: 403, why: 'outside the renderer folder' };
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(candidate), realpath(root)]);
  } catch {
    return { ok: false, status: 404, why: 'no such file' };
  }
  if (!isInside(realRoot, real))
    return { ok: false, status: 403, why: 'a link leading outside the renderer' };
  const info = await stat(real).catch(() => undefined);
  if (!info?.isFile()) return { ok: false, status: 404, why: 'not a file' };
  return { ok: true, path: real };
}

/** `/media/…` on our own host: forwarded, never looked up in the renderer folder. */
function isMediaUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.host === APP_HOST && parsed.pathname.startsWith(MEDIA_ROUTE_PREFIX);
  } catch {
    return false;
  }
}

/**
 * The handler `protocol.handle('app', …)` gets. GET and HEAD only; every answer carries the CSP.
 * Without `media` (tests of the renderer part), `/media/…` is 404 like any missing file.
 */
export function createAppProtocolHandler(
  rootDir: string,
  onRefused?: (url: string, why: string) => void,
  media?: MediaForwarder,
): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response(null, { status: 405, headers: { ...SECURITY_HEADERS, Allow: 'GET, HEAD' } });
    }
    if (isMediaUrl(request.url)) {
      if (media) return media(request);
      return new Response(null, { status: 404, headers: SECURITY_HEADERS });
    }
    const resolved = await resolveAppUrl(rootDir, request.url);
    if (!resolved.ok) {
      onRefused?.(request.url, resolved.why);
      return new Response(null, { status: resolved.status, headers: SECURITY_HEADERS });
    }
    const body = await readFile(resolved.path);
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: {
        ...SECURITY_HEADERS,
        'Content-Type': mimeTypeOf(resolved.path),
        'Content-Length': String(body.length),
      },
    });
  };
}
