import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { dirname } from 'node:path';

/**
 * Who may talk to the browser-mode server. On loopback (the default) the machine's own users may; on any
 * other address every request and socket must present the access token. Host and Origin are checked on
 * every request, so a web page elsewhere cannot reach the engine through DNS rebinding or a cross-site
 * WebSocket.
 */
export const TOKEN_COOKIE = 'edge_capture_token';

export function isLoopback(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

/** Reads the access token from its file, or makes one (32 random bytes, hex) readable only by the owner. */
export async function loadOrCreateToken(path: string): Promise<{ token: string; created: boolean }> {
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (token.length >= 32) {
      await chmod(path, 0o600);
      return { token, created: false };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('hex');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return { token, created: true };
}

export interface AccessPolicy {
  /** host:port values a request may name in its Host header. */
  allowedHosts: ReadonlySet<string>;
  /** Set when the server listens beyond loopback. */
  token?: string;
  /** Other origins whose pages may call this server (a UI development server, say). */
  extraOrigins?: ReadonlySet<string>;
}

/** Host names a browser may use for a server bound to `address:port`. */
export function allowedHostsFor(
  address: string,
  port: number,
  extraNames: readonly string[] = [],
): Set<string> {
  const names = isLoopback(address)
    ? ['127.0.0.1', 'localhost', '[::1]']
    : [hostForm(address), ...extraNames];
  return new Set(names.map((name) => `${name}:${port}`.toLowerCase()));
}

function hostForm(address: string): string {
  return isIP(address) === 6 && !address.startsWith('[') ? `[${address}]` : address;
}

export type AccessDenial = { status: 403 | 401 | 421; message: string };

/** Checks Host, Origin (when present) and the token. Returns why a request is refused, or undefined. */
export function checkAccess(request: IncomingMessage, policy: AccessPolicy): AccessDenial | undefined {
  const host = (request.headers.host ?? '').toLowerCase();
  if (!policy.allowedHosts.has(host)) {
    return { status: 421, message: `Host "${host}" is not this server. Open it by its own address.` };
  }
  const origin = request.headers.origin?.toLowerCase();
  const ownOrigin = origin === `http://${host}` || origin === `https://${host}`;
  if (origin !== undefined && !ownOrigin && !policy.extraOrigins?.has(origin)) {
    return { status: 403, message: 'Requests from other web sites are refused.' };
  }
  if (policy.token && !sameSecret(presentedToken(request), policy.token)) {
    return {
      status: 401,
      message: 'Access token missing or wrong: open the URL with ?token=… that the server printed.',
    };
  }
  return undefined;
}

/** The token from `Authorization: Bearer`, the `token` query parameter, or the cookie set after the first visit. */
export function presentedToken(request: IncomingMessage): string | undefined {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  const query = new URL(request.url ?? '/', 'http://x').searchParams.get('token');
  if (query) return query;
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return value.join('=');
  }
  return undefined;
}

function sameSecret(presented: string | undefined, token: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
