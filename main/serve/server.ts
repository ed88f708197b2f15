import { existsSync, realpathSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, sep } from 'node:path';
import sirv from 'sirv';
import { WebSocketServer } from 'ws';
import { MAX_MESSAGE_CHARS } from '../../shared/contract/index.ts';
import type { EngineHost } from '../host/engine-host.ts';
import { type AccessPolicy, allowedHostsFor, checkAccess, isLoopback, TOKEN_COOKIE } from './access.ts';
import { handleMedia, type MediaSource } from './media-route.ts';

/** The WebSocket path that carries the contract. */
export const CONTRACT_PATH = '/contract';

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export interface ServeOptions {
  host: EngineHost;
  /** Built renderer (index.html and assets). */
  staticDir: string;
  /** Listen address; 127.0.0.1 unless told otherwise. */
  address?: string;
  port?: number;
  /** Required when `address` is not loopback. */
  token?: string;
  /** Other names the server is reached by (e.g. the gateway's DNS name), for the Host check. */
  hostNames?: readonly string[];
  /** Other origins allowed to call (e.g. `http://localhost:5173` while developing the UI). */
  allowedOrigins?: readonly string[];
  /** Captures' pictures and thumbnails under /media/ (the engine's MediaLibrary); absent: 404. */
  media?: MediaSource;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Browser mode: the built renderer and the contract over HTTP + WebSocket, with access checks on both. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const address = options.address ?? '127.0.0.1';
  if (!isLoopback(address) && !options.token) {
    throw new Error(
      `Listening on ${address} needs an access token; only 127.0.0.1 may be served without one.`,
    );
  }
  const policy: { current: AccessPolicy } = {
    current: {
      allowedHosts: new Set(),
      token: options.token,
      extraOrigins: new Set((options.allowedOrigins ?? []).map((origin) => origin.toLowerCase())),
    },
  };
  const serveStatic = existsSync(options.staticDir)
    ? sirv(options.staticDir, { single: true, dotfiles: false, etag: true })
    : undefined;

  const staticRoot = serveStatic ? realpathSync(options.staticDir) : '';

  const server = createServer((request, response) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    const denial = checkAccess(request, policy.current);
    if (denial) return refuse(response, denial.status, denial.message);
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return refuse(response, 405, 'Only GET and HEAD.');
    if (redirectAfterToken(request, response)) return;
    if (handleMedia(options.media, request, response)) return;
    if (!serveStatic) {
      return refuse(response, 503, 'The UI is not built: run `npm run build:renderer`, then reload.');
    }
    if (!insideRoot(staticRoot, request.url ?? '/')) return refuse(response, 404, 'Not found.');
    serveStatic(request, response, () => refuse(response, 404, 'Not found.'));
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_CHARS * 4 });
  server.on('upgrade', (request, socket, head) => {
    const denial =
      new URL(request.url ?? '/', 'http://x').pathname === CONTRACT_PATH
        ? checkAccess(request, policy.current)
        : { status: 404 as const, message: 'Not found.' };
    if (denial) {
      socket.end(
        `HTTP/1.1 ${denial.status} Refused\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${denial.message}\n`,
      );
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      const session = options.host.open({
        send: (text) => ws.send(text),
        close: (code, reason) => ws.close(code, reason),
      });
      ws.on('message', (data, isBinary) => void session.receive(isBinary ? undefined : data.toString()));
      ws.on('close', () => session.closed());
      ws.on('error', () => ws.terminate());
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, address, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  policy.current = { ...policy.current, allowedHosts: allowedHostsFor(address, port, options.hostNames) };
  const shown = isLoopback(address) ? '127.0.0.1' : address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${shown}:${port}/${options.token && !isLoopback(address) ? `?token=${options.token}` : ''}`,
    port,
    close: () => closeServer(server, sockets),
  };
}

/**
 * sirv keeps requests inside its folder but follows symlinks: a link planted in the UI folder could
 * serve any file this process can read. The real path of what a URL names must stay inside the folder.
 */
function insideRoot(root: string, url: string): boolean {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url, 'http://x').pathname);
  } catch {
    return false;
  }
  if (pathname.includes('\0')) return false;
  let real: string;
  try {
    real = realpathSync(join(root, pathname));
  } catch {
    return true; // nothing there: sirv answers with index.html (single-page app) or 404
  }
  return real === root || real.startsWith(root + sep);
}

/** A first visit with ?token=… gets the token as an HttpOnly cookie and a clean URL without it. */
function redirectAfterToken(request: IncomingMessage, response: ServerResponse): boolean {
  const url = new URL(request.url ?? '/', 'http://x');
  const token = url.searchParams.get('token');
  if (!token) return false;
  url.searchParams.delete('token');
  response.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
  response.writeHead(303, { Location: `${url.pathname}${url.search}` });
  response.end();
  return true;
}

function refuse(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(`${message}\n`);
}

async function closeServer(server: Server, sockets: WebSocketServer): Promise<void> {
  for (const client of sockets.clients) client.terminate();
  await new Promise<void>((resolve) => sockets.close(() => resolve()));
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
