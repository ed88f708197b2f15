import { type Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import { classifyS3Error } from './s3-errors.ts';
import type { ObjectAttributes, ObjectHead } from './s3-object.ts';
import { EMPTY_SHA256, encodeKeyPath, SigV4Signer } from './sigv4.ts';

/**
 * HEAD and single-part PUT of objects straight on node:http, signed here (SigV4), instead of
 * through the SDK's middleware stack: for many small files those two requests are the upload,
 * and the SDK spends about four times the CPU on each (serde, endpoint rules, retries, signing).
 * Same agent (keep-alive, proxy, CA bundle), same credentials (the SDK's provider chain), same
 * addressing (the SDK's endpoint rules, resolved once), and failures shaped like the SDK's so
 * s3-errors.ts classifies them alike. Everything else (multipart, listings, probes) uses the SDK.
 */
export interface DirectS3 {
  /** False when the destination's addressing is for the SDK alone (resolved once, then cached). */
  usable(): Promise<boolean>;
  /**
   * Like HeadObjectCommand, except that a missing key resolves undefined (for many new files that
   * is the usual answer, not worth an exception); other failures reject with SDK-shaped errors.
   */
  head(key: string, signal?: AbortSignal): Promise<DirectHead | undefined>;
  /**
   * Like PutObjectCommand with the body's sha256 signed (x-amz-content-sha256) and Content-MD5.
   * With ifAbsent (If-None-Match: *), resolves undefined when the store refuses: the key is taken.
   */
  put(request: DirectPut, signal?: AbortSignal): Promise<{ ETag?: string; VersionId?: string } | undefined>;
}

export type DirectHead = ObjectHead;

export interface DirectPut {
  key: string;
  body: Buffer;
  /** Hex sha256 of body. */
  sha256: string;
  /** Base64 MD5 of body. */
  contentMd5: string;
  attributes: ObjectAttributes;
  ifAbsent?: boolean;
}

export interface DirectSettings {
  requestTimeoutMs: number;
  maxAttempts: number;
}

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Bodies from this size on ask first (Expect: 100-continue), as the SDK does, so a refusal costs no upload. */
const EXPECT_CONTINUE_BYTES = 2 * 1024 * 1024;
const CONTINUE_WAIT_MS = 1000;
/** Most of an error body we read: S3 error documents are a few hundred bytes. */
const MAX_ERROR_BODY = 64 * 1024;
const RETRY_BASE_MS = 100;
const RETRY_CAP_MS = 20_000;
/** How far our clock may be from the store's before we sign with the store's time instead. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The store sent us elsewhere (the bucket lives in another region than configured): the SDK
 * follows such redirects, so from now on it makes these requests. Callers retry with the SDK.
 */
export class DirectRouteLost extends Error {}

/** Answers that mean "wrong region": a redirect, or a signature scoped to the wrong region. */
const WRONG_REGION_CODES = new Set([
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'IllegalLocationConstraintException',
]);

const header = (headers: IncomingMessage['headers'], name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

const xmlField = (xml: string, name: string): string | undefined =>
  new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

/** An error an SDK call would have thrown for this answer: name/Code, $metadata and $response. */
function answerError(answer: Answer, what: string): Error {
  // HEAD answers carry no body: the SDK then names the error after the status.
  const code =
    xmlField(answer.body, 'Code') ??
    ({ 301: 'MovedPermanently', 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound' } as const)[
      answer.status as 301
    ] ??
    'Unknown';
  const message = xmlField(answer.body, 'Message') ?? `${what} answered HTTP ${answer.status}`;
  return Object.assign(new Error(message), {
    name: code,
    Code: code,
    $metadata: { httpStatusCode: answer.status },
    $response: { statusCode: answer.status, headers: answer.headers },
  });
}

function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { name: 'TimeoutError' });
}

function attributeHeaders(attributes: ObjectAttributes): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': attributes.ContentType };
  for (const [name, value] of Object.entries(attributes.Metadata)) headers[`x-amz-meta-${name}`] = value;
  if (attributes.Tagging) headers['x-amz-tagging'] = attributes.Tagging;
  if (attributes.StorageClass) headers['x-amz-storage-class'] = attributes.StorageClass;
  if (attributes.ObjectLockMode) headers['x-amz-object-lock-mode'] = attributes.ObjectLockMode;
  if (attributes.ObjectLockRetainUntilDate) {
    headers['x-amz-object-lock-retain-until-date'] = attributes.ObjectLockRetainUntilDate.toISOString();
  }
  return headers;
}

function headOutput(headers: IncomingMessage['headers']): DirectHead {
  const metadata: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    if (name.startsWith('x-amz-meta-'))
      metadata[name.slice('x-amz-meta-'.length)] = header(headers, name) ?? '';
  }
  const length = header(headers, 'content-length');
  return {
    ContentLength: length === undefined ? undefined : Number(length),
    ETag: header(headers, 'etag'),
    VersionId: header(headers, 'x-amz-version-id'),
    Metadata: metadata,
    ObjectLockMode: header(headers, 'x-amz-object-lock-mode') as DirectHead['ObjectLockMode'],
  };
}

/** Where the bucket lives and how to sign for it, by the SDK's own endpoint rules; undefined: leave it to the SDK. */
async function resolveBucketUrl(
  client: S3Client,
  bucket: string,
  endpoint: string | undefined,
): Promise<{ url: URL; region: string } | undefined> {
  // An endpoint from the environment or a shared config file: the SDK knows best where it leads.
  if (!endpoint && (process.env['AWS_ENDPOINT_URL'] || process.env['AWS_ENDPOINT_URL_S3'])) return undefined;
  const config = client.config;
  const region = await config.region();
  const resolved = config.endpointProvider({
    Bucket: bucket,
    Region: region,
    Endpoint: endpoint,
    ForcePathStyle: config.forcePathStyle,
    UseFIPS: await config.useFipsEndpoint(),
    UseDualStack: await config.useDualstackEndpoint(),
    Accelerate: config.useAccelerateEndpoint,
  });
  const scheme = (
    resolved.properties?.authSchemes as
      | { name?: string; signingName?: string; signingRegion?: string }[]
      | undefined
  )?.[0];
  // sigv4a (multi-region access points), S3 Express sessions, Outposts: the SDK's business.
  if (scheme !== undefined && (scheme.name !== 'sigv4' || (scheme.signingName ?? 's3') !== 's3')) {
    return undefined;
  }
  return { url: new URL(resolved.url.href), region: scheme?.signingRegion ?? region };
}

/**
 * Direct requests to the bucket. usable() says false when its addressing is unusual enough (an
 * endpoint from the environment, non-SigV4 auth, no region) that only the SDK should talk to it.
 */
export function createDirectS3(
  client: S3Client,
  target: { bucket: string; endpoint: string | undefined; agent: HttpAgent },
  settings: DirectSettings,
): DirectS3 {
  let base: Promise<{ url: URL; signer: SigV4Signer } | undefined> | undefined;
  let lost = false;
  const bucketUrl = () =>
    (base ??= resolveBucketUrl(client, target.bucket, target.endpoint).then(
      (found) => found && { url: found.url, signer: new SigV4Signer(found.region) },
      // No region, say: the SDK reports that better than we would.
      () => undefined,
    ));

  /** One request; resolves with any HTTP answer, rejects only when there was none. */
  async function exchange(
    method: 'HEAD' | 'PUT',
    key: string,
    signed: Record<string, string>,
    payloadSha256: string,
    body: Buffer | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Answer> {
    const at = await bucketUrl();
    if (!at) throw new Error('createDirectS3: not usable for this destination; ask usable() first');
    const { url, signer } = at;
    const basePath = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    const path = `${basePath}${encodeKeyPath(key)}`;
    const headers: Record<string, string> = { ...signed, host: url.host };
    const credentials = await client.config.credentials();
    signer.sign({ method, path, headers, payloadSha256 }, credentials, Date.now() + clockOffset());
    if (body) headers['content-length'] = String(body.length);
    const expectContinue = body !== undefined && body.length >= EXPECT_CONTINUE_BYTES;
    if (expectContinue) headers.expect = '100-continue';
    const secure = url.protocol === 'https:';
    return new Promise<Answer>((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)({
        protocol: url.protocol,
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers,
        agent: target.agent,
        signal,
      });
      // An idle-socket timeout, not a deadline (see s3-transport.ts); connects get less.
      req.setTimeout(settings.requestTimeoutMs, () =>
        req.destroy(timeoutError(`no answer from the store for ${settings.requestTimeoutMs} ms`)),
      );
      const connectMs = Math.min(settings.requestTimeoutMs, 30_000);
      req.once('socket', (socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(
          () => req.destroy(timeoutError(`could not connect to the store within ${connectMs} ms`)),
          connectMs,
        );
        socket.once('connect', () => clearTimeout(timer));
        req.once('close', () => clearTimeout(timer));
      });
      req.once('error', reject);
      // With Expect: 100-continue the body waits for the store's go-ahead (or a second: some
      // servers never give one). A final answer first means the body is not wanted.
      let bodySent = !expectContinue;
      const sendBody = () => {
        if (bodySent) return;
        bodySent = true;
        req.end(body);
      };
      const patience = expectContinue ? setTimeout(sendBody, CONTINUE_WAIT_MS) : undefined;
      req.once('close', () => clearTimeout(patience));
      req.once('response', (res) => {
        clearTimeout(patience);
        // Answered before the body went: this connection still owes it, so it cannot be reused.
        const abandoned = !bodySent;
        bodySent = true;
        const chunks: Buffer[] = [];
        let kept = 0;
        const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
        res.on('data', (chunk: Buffer) => {
          if (ok || kept >= MAX_ERROR_BODY) return;
          chunks.push(chunk);
          kept += chunk.length;
        });
        res.once('error', reject);
        res.once('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
          if (abandoned) req.destroy();
        });
      });
      if (expectContinue) req.once('continue', sendBody);
      else req.end(body);
    });
  }

  const clockOffset = () => client.config.systemClockOffset ?? 0;

  /** The store says our clock is off (requests are signed with the time): sign with its clock from now on. */
  function skewCorrected(answer: Answer): boolean {
    const serverDate = Date.parse(header(answer.headers, 'date') ?? '');
    if (Number.isNaN(serverDate)) return false;
    const offset = serverDate - Date.now();
    if (Math.abs(offset - clockOffset()) < CLOCK_SKEW_MS) return false;
    // Shared with the SDK, which keeps it the same way for its own requests.
    client.config.systemClockOffset = offset;
    return true;
  }

  /** Sends with the SDK's retry policy for what retrying can fix: network trouble, throttling, 5xx. */
  async function send(
    what: string,
    attempt: () => Promise<Answer>,
    accept: (answer: Answer) => boolean,
    signal: AbortSignal | undefined,
  ): Promise<Answer> {
    for (let n = 1; ; n += 1) {
      let answer: Answer | undefined;
      let failure: unknown;
      try {
        answer = await attempt();
      } catch (error) {
        failure = error;
      }
      if (answer) {
        if (accept(answer)) return answer;
        failure = answerError(answer, what);
        if ([301, 307].includes(answer.status) || WRONG_REGION_CODES.has((failure as Error).name)) {
          lost = true;
          throw new DirectRouteLost(`${what}: the store sends us elsewhere`, { cause: failure });
        }
        if (answer.status === 403 && n < settings.maxAttempts && skewCorrected(answer)) continue;
      }
      signal?.throwIfAborted();
      const kind = classifyS3Error(failure).kind;
      if (n >= settings.maxAttempts || (kind !== 'offline' && kind !== 'throttled' && kind !== 'server')) {
        throw failure;
      }
      const delay = Math.random() * Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** n);
      await new Promise((resolve) => setTimeout(resolve, delay));
      signal?.throwIfAborted();
    }
  }

  const is2xx = (answer: Answer) => answer.status >= 200 && answer.status < 300;

  return {
    usable: async () => !lost && (await bucketUrl()) !== undefined,
    async head(key, signal) {
      const answer = await send(
        `HeadObject ${key}`,
        () => exchange('HEAD', key, {}, EMPTY_SHA256, undefined, signal),
        // A 404 is an answer, not a failure to retry: the caller asked whether the key is free.
        (a) => is2xx(a) || a.status === 404,
        signal,
      );
      return answer.status === 404 ? undefined : headOutput(answer.headers);
    },
    async put(request, signal) {
      const signed: Record<string, string> = {
        ...attributeHeaders(request.attributes),
        'content-md5': request.contentMd5,
      };
      if (request.ifAbsent) signed['if-none-match'] = '*';
      const answer = await send(
        `PutObject ${request.key}`,
        () => exchange('PUT', request.key, signed, request.sha256, request.body, signal),
        (a) => is2xx(a) || (request.ifAbsent === true && a.status === 412),
        signal,
      );
      if (answer.status === 412) return undefined;
      return {
        ETag: header(answer.headers, 'etag'),
        VersionId: header(answer.headers, 'x-amz-version-id'),
      };
    },
  };
}
