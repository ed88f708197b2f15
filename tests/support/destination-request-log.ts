import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoggedRequest {
  method: string;
  /** Path and query, e.g. /bucket/key?partNumber=2&uploadId=… */
  url: string;
  headers: IncomingHttpHeaders;
  status?: number;
}

/**
 * An HTTP reverse proxy on 127.0.0.1 that records every request on its way to a loopback
 * S3 store, so tests can count what reached the server (UploadPart, PutObject…).
 * Headers pass unchanged, so SigV4 signatures made for the proxy's host still verify.
 */
export interface RequestLog {
  endpoint: string;
  readonly requests: LoggedRequest[];
  close(): Promise<void>;
}

export function isUploadPart(r: LoggedRequest): boolean {
  return r.method === 'PUT' && /[?&]partNumber=/.test(r.url) && /[?&]uploadId=/.test(r.url);
}

export function isPutObject(r: LoggedRequest): boolean {
  // The SDK adds ?x-id=PutObject; sub-resources (parts, tagging, acl) are other operations.
  return r.method === 'PUT' && !/[?&](uploadId|partNumber|tagging|acl|retention)=/.test(r.url);
}

export function isAbortMultipart(r: LoggedRequest): boolean {
  return r.method === 'DELETE' && /[?&]uploadId=/.test(r.url);
}

/**
 * Rewrites a response on the way back: its headers (e.g. the ETag some stores send for encrypted
 * objects), or, with a status, the whole answer (the store's body is dropped for `body`).
 */
export type AlterResponse = (
  request: LoggedRequest,
  headers: IncomingHttpHeaders,
) => Altered | undefined | Promise<Altered | undefined>;
type Altered = { headers: IncomingHttpHeaders; status?: number; body?: string };

export async function startRequestLog(
  targetEndpoint: string,
  options: { alterResponse?: () => AlterResponse | undefined } = {},
): Promise<RequestLog> {
  const target = new URL(targetEndpoint);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) {
    throw new Error(`request log: target must be on loopback, got ${target.hostname}`);
  }
  const requests: LoggedRequest[] = [];
  const server = createServer((req, res) => {
    const entry: LoggedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    requests.push(entry);
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      async (upstreamRes) => {
        entry.status = upstreamRes.statusCode;
        // May take its time: another writer can act between the store's answer and the client's.
        const altered = await options.alterResponse?.()?.(entry, upstreamRes.headers);
        if (altered?.status !== undefined) {
          const body = req.method === 'HEAD' ? '' : (altered.body ?? '');
          upstreamRes.resume();
          entry.status = altered.status;
          res.writeHead(altered.status, { ...altered.headers, 'content-length': Buffer.byteLength(body) });
          res.end(body);
          return;
        }
        res.writeHead(upstreamRes.statusCode ?? 502, altered?.headers ?? upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
