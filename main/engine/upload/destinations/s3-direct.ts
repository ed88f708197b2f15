import type { S3Client } from '@aws-sdk/client-s3';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RequestBody } from './paced-body.ts';
import {
  type Answer,
  answerError,
  attributeHeaders,
  EMPTY_SHA256,
  encodeKeyPath,
  header,
  headOutput,
  UNSIGNED_PAYLOAD,
} from './s3-answers.ts';
import { classifyS3Error } from './s3-errors.ts';
import type { ObjectAttributes, ObjectHead } from './s3-object.ts';

/**
 * HEAD, single PUT and UploadPart signed by the SDK's SigV4 signer and sent by its HTTP handler,
 * without the command stack around them (serde, endpoint rules per request, checksum and retry
 * middleware). For many small files HEAD and PUT are the whole upload: in bench/upload.bench.ts
 * (10,000 × 4 KiB to RGW 16.2, 2 cores) the engine spent 8.0–8.3 CPU s with this path and
 * 13.5 CPU s (two runs) with every request through the command stack, so it stays. UploadPart
 * goes this way so each retry sends a freshly opened paced body (the SDK does not retry streamed
 * bodies). Same agent, credentials (the SDK's provider chain), addressing (the SDK's endpoint rules, resolved once) and clock offset as the client;
 * failures are the SDK's own exception type. Everything else (listings, probes, multipart
 * create/complete/abort) uses the SDK's commands.
 */
export interface DirectS3 {
  /** False when the destination's addressing is for the SDK alone (resolved once, then cached). */
  usable(): Promise<boolean>;
  /** Like HeadObjectCommand, except that a missing key resolves undefined. */
  head(key: string, signal?: AbortSignal): Promise<ObjectHead | undefined>;
  /**
   * Like PutObjectCommand. With ifAbsent (If-None-Match: *), resolves undefined when the store
   * refuses because the key is taken.
   */
  put(request: DirectPut, signal?: AbortSignal): Promise<{ ETag?: string; VersionId?: string } | undefined>;
  /** Like UploadPartCommand, with the part's Content-MD5 signed and its payload hash not. */
  uploadPart(request: DirectPart, signal?: AbortSignal): Promise<{ ETag?: string }>;
}

export interface DirectPut {
  key: string;
  body: RequestBody;
  /** Hex sha256 of the body: signed, so a store that checks it refuses other bytes. */
  sha256: string;
  /** Base64 MD5 of the body. */
  contentMd5: string;
  attributes: ObjectAttributes;
  ifAbsent?: boolean;
}

export interface DirectPart {
  key: string;
  uploadId: string;
  partNumber: number;
  body: RequestBody;
  contentMd5: string;
}

export interface DirectSettings {
  maxAttempts: number;
}

/** Bodies from this size on ask first (Expect: 100-continue), as the SDK does. */
const EXPECT_CONTINUE_BYTES = 2 * 1024 * 1024;
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
  // Plain names: biome takes use…() calls for React hooks.
  const { useFipsEndpoint: fips, useDualstackEndpoint: dualStack } = config;
  const resolved = config.endpointProvider({
    Bucket: bucket,
    Region: region,
    Endpoint: endpoint,
    ForcePathStyle: config.forcePathStyle,
    UseFIPS: await fips(),
    UseDualStack: await dualStack(),
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

type SignableRequest = Parameters<SignatureV4['sign']>[0];

export function createDirectS3(
  client: S3Client,
  target: { bucket: string; endpoint: string | undefined; handler: NodeHttpHandler },
  settings: DirectSettings,
): DirectS3 {
  let base: Promise<{ url: URL; signer: SignatureV4 } | undefined> | undefined;
  let lost = false;
  const bucketUrl = () =>
    (base ??= resolveBucketUrl(client, target.bucket, target.endpoint).then(
      (found) =>
        found && {
          url: found.url,
          signer: new SignatureV4({
            service: 's3',
            region: found.region,
            credentials: client.config.credentials,
            sha256: client.config.sha256,
            // S3 signs the path as sent, without encoding it again.
            uriEscapePath: false,
          }),
        },
      // No region, say: the SDK reports that better than we would.
      () => undefined,
    ));
  const clockOffset = () => client.config.systemClockOffset ?? 0;

  /** One request; resolves with any HTTP answer, rejects only when there was none. */
  async function exchange(
    method: 'HEAD' | 'PUT',
    key: string,
    query: Record<string, string>,
    headers: Record<string, string>,
    body: RequestBody | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Answer> {
    const at = await bucketUrl();
    if (!at) throw new Error('createDirectS3: not usable for this destination; ask usable() first');
    const { url, signer } = at;
    const basePath = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    const sent: Record<string, string> = { ...headers, host: url.host };
    if (body) sent['content-length'] = String(body.length);
    if (body && body.length >= EXPECT_CONTINUE_BYTES) sent.expect = '100-continue';
    // A body that fails (the file shrank under us) stops the request, and is the reason given.
    const stop = new AbortController();
    let bodyFailure: unknown;
    const stream = body?.open();
    stream?.once('error', (error) => {
      bodyFailure = error;
      stop.abort(error);
    });
    const request: SignableRequest = {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: `${basePath}${encodeKeyPath(key)}`,
      query,
      headers: sent,
      body: stream,
    };
    const signed = await signer.sign(request, { signingDate: new Date(Date.now() + clockOffset()) });
    const abort = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    try {
      const { response } = await target.handler.handle(signed as never, { abortSignal: abort });
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      const text = await readAnswerBody(response.body, ok);
      // Refused while the body was still on its way: this connection owes the rest, so it goes.
      if (!ok && stream && !stream.readableEnded) {
        stream.destroy();
        response.body?.socket?.destroy();
      }
      return { status: response.statusCode, headers: response.headers, body: text };
    } catch (error) {
      stream?.destroy();
      throw bodyFailure ?? error;
    }
  }

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

  /** Retries what retrying can fix (network trouble, throttling, 5xx), as the SDK's standard policy does. */
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
        () => exchange('HEAD', key, {}, { 'x-amz-content-sha256': EMPTY_SHA256 }, undefined, signal),
        // A 404 is an answer, not a failure to retry: the caller asked whether the key is free.
        (a) => is2xx(a) || a.status === 404,
        signal,
      );
      return answer.status === 404 ? undefined : headOutput(answer.headers);
    },
    async put(request, signal) {
      const headers: Record<string, string> = {
        ...attributeHeaders(request.attributes),
        'content-md5': request.contentMd5,
        'x-amz-content-sha256': request.sha256,
      };
      if (request.ifAbsent) headers['if-none-match'] = '*';
      const answer = await send(
        `PutObject ${request.key}`,
        () => exchange('PUT', request.key, {}, headers, request.body, signal),
        (a) => is2xx(a) || (request.ifAbsent === true && a.status === 412),
        signal,
      );
      if (answer.status === 412) return undefined;
      return {
        ETag: header(answer.headers, 'etag'),
        VersionId: header(answer.headers, 'x-amz-version-id'),
      };
    },
    async uploadPart(request, signal) {
      const query = { partNumber: String(request.partNumber), uploadId: request.uploadId };
      const headers = { 'content-md5': request.contentMd5, 'x-amz-content-sha256': UNSIGNED_PAYLOAD };
      const answer = await send(
        `UploadPart ${request.partNumber} ${request.key}`,
        () => exchange('PUT', request.key, query, headers, request.body, signal),
        is2xx,
        signal,
      );
      return { ETag: header(answer.headers, 'etag') };
    },
  };
}

/** A success's body is drained (the connection goes back to the pool); an error's start is kept. */
async function readAnswerBody(body: AsyncIterable<Buffer> | undefined, discard: boolean): Promise<string> {
  if (!body) return '';
  const chunks: Buffer[] = [];
  let kept = 0;
  for await (const chunk of body) {
    if (discard || kept >= MAX_ERROR_BODY) continue;
    chunks.push(chunk);
    kept += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}
