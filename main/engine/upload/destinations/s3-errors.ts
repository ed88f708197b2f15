import { UploadError } from '../types.ts';

/** Network failures: the store cannot be reached right now. */
const OFFLINE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** The store's TLS certificate cannot be verified: the operator must fix trust (caBundle), like credentials. */
const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** TLS failed below HTTP: the endpoint's scheme or TLS set-up is wrong, for every request alike. */
const TLS_HANDSHAKE_CODES = new Set(['EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER']);

/** Host names that do not resolve: a typo in the endpoint, or the site's DNS is down. */
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);

/** A store over its quota (RGW, MinIO): no upload fits until someone makes room. */
const QUOTA_CODES = new Set(['QuotaExceeded', 'XMinioAdminBucketQuotaExceeded', 'XMinioStorageFull']);

const AUTH_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'RequestTimeTooSkewed',
  'CredentialsProviderError',
]);

const THROTTLE_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'RequestLimitExceeded',
]);

/** Codes of operations a store does not implement (s3rver: ListParts, ListMultipartUploads, Abort). */
const UNSUPPORTED_CODES = new Set(['NotImplemented', 'MethodNotAllowed']);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { statusCode?: unknown; headers?: Record<string, string | undefined> };
}

function shape(err: unknown): SdkErrorShape {
  // Errors we already classified carry the SDK error as their cause.
  if (err instanceof UploadError) return shape(err.cause);
  return typeof err === 'object' && err !== null ? (err as SdkErrorShape) : {};
}

/** The S3 error code (e.g. NoSuchBucket), else the Node error code (e.g. ECONNREFUSED), else the error name. */
export function s3ErrorCode(err: unknown): string | undefined {
  const e = shape(err);
  for (const candidate of [e.Code, e.code, e.name]) {
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error') return candidate;
  }
  return undefined;
}

export function httpStatusOf(err: unknown): number | undefined {
  const e = shape(err);
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The store does not implement this operation (s3rver answers 405/501). */
export function isUnsupported(err: unknown): boolean {
  const status = httpStatusOf(err);
  return UNSUPPORTED_CODES.has(s3ErrorCode(err) ?? '') || status === 501 || status === 405;
}

/** The store no longer knows a multipart upload (RGW 16.2 answers ListParts on it with NoSuchKey). */
export function isNoSuchUpload(err: unknown): boolean {
  const code = s3ErrorCode(err);
  return code === 'NoSuchUpload' || code === 'NoSuchKey';
}

/** HEAD answers have no body, so a missing key shows only as a 404 named NotFound. */
export function isNotFound(err: unknown): boolean {
  const code = s3ErrorCode(err);
  return code === 'NotFound' || code === 'NoSuchKey' || httpStatusOf(err) === 404;
}

/** A HEAD refused with 403 says nothing about why (no body): bad keys and missing permission look alike. */
export function isBodilessForbidden(err: unknown): boolean {
  const code = s3ErrorCode(err);
  // The SDK names a bodiless error Unknown (RGW) or after its status (Forbidden, 403).
  return (
    httpStatusOf(err) === 403 &&
    (code === undefined || ['Forbidden', '403', 'Unknown', 'UnknownError'].includes(code))
  );
}

function networkError(err: unknown, depth = 0): { code: string; message: string } | undefined {
  const e = shape(err);
  if (
    typeof e.code === 'string' &&
    (OFFLINE_CODES.has(e.code) || TLS_TRUST_CODES.has(e.code) || TLS_HANDSHAKE_CODES.has(e.code))
  ) {
    return { code: e.code, message: typeof e.message === 'string' ? e.message : '' };
  }
  return depth < 3 && e.cause !== undefined ? networkError(e.cause, depth + 1) : undefined;
}

/** `http://host:port` for an https:// endpoint (the fix to suggest), or a generic hint without one. */
function plainHttpFix(endpoint: string | undefined): string {
  if (endpoint?.startsWith('https://')) return `use http://${endpoint.slice('https://'.length)}`;
  return 'use http:// instead of https:// in destination.endpoint';
}

/**
 * A TLS handshake that failed for a reason every request shares, in operator words (the raw
 * OpenSSL text, e.g. "ssl3_get_record:wrong version number", tells an operator nothing).
 */
function tlsHandshakeMessage(code: string, message: string, endpoint: string | undefined): string {
  const where = endpoint ? `${endpoint} ` : 'the store ';
  if (
    /wrong version number|packet length too long|http request/i.test(message) ||
    code === 'ERR_SSL_WRONG_VERSION_NUMBER'
  ) {
    return `${where}speaks plain HTTP, not HTTPS: ${plainHttpFix(endpoint)} in destination.endpoint`;
  }
  const reason = /:([^:]+):[^:]*:\d+:?\s*$/.exec(message.trim())?.[1] ?? message.trim();
  return `the TLS handshake with ${where.trim()} fails (${reason}); check that destination.endpoint is the store's HTTPS address`;
}

function retryAfterMs(err: unknown): number | undefined {
  const header = shape(err).$response?.headers?.['retry-after'];
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function describe(err: unknown): string {
  const e = shape(err);
  const message = typeof e.message === 'string' ? e.message : String(err);
  const code = s3ErrorCode(err);
  const status = httpStatusOf(err);
  const parts = [code, status === undefined ? undefined : `HTTP ${status}`].filter((p) => p !== undefined);
  return parts.length > 0 && !message.includes(code ?? '\0') ? `${parts.join(', ')}: ${message}` : message;
}

/**
 * Maps an error thrown by the S3 SDK (or the socket under it) to an UploadError kind,
 * so the scheduler knows whether to wait, retry, or ask the operator.
 * `context` names the request, e.g. "PutObject s3://bucket/key".
 */
export function classifyS3Error(err: unknown, context?: string, endpoint?: string): UploadError {
  if (err instanceof UploadError) return err;
  const e = shape(err);
  const code = s3ErrorCode(err) ?? '';
  const status = httpStatusOf(err);
  const at = context ? `${context}: ` : '';
  const detail = describe(err);
  const make = (kind: UploadError['kind'], message: string, extra: { retryAfterMs?: number } = {}) =>
    new UploadError(kind, `${at}${message}`, { cause: err, ...extra });

  const network = networkError(err);
  const net = network?.code;
  if (net !== undefined && TLS_TRUST_CODES.has(net)) {
    const fix =
      net === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? 'the certificate is for another host name; use the name it was issued for in destination.endpoint'
        : "set destination.caBundle to its CA's PEM file";
    return make('auth', `the store's TLS certificate is not trusted (${net}); ${fix}`);
  }
  if (network !== undefined && TLS_HANDSHAKE_CODES.has(network.code)) {
    return make('misconfigured', tlsHandshakeMessage(network.code, network.message, endpoint));
  }
  if (network !== undefined && DNS_CODES.has(network.code)) {
    const host = /(?:ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME)\s+(\S+)/.exec(network.message)?.[1];
    return make(
      'offline',
      `cannot look up the store's host name${host ? ` ${host}` : ''} (${network.code}): check destination.endpoint and this machine's DNS`,
    );
  }
  if (net !== undefined || code === 'TimeoutError' || code === 'AbortError' || code === 'RequestTimeout') {
    return make('offline', `the store is unreachable (${net ?? code}): ${String(e.message ?? '')}`.trim());
  }
  if (/socket hang up/i.test(String(e.message ?? ''))) {
    return make('offline', `the store is unreachable: ${detail}`);
  }

  if (status === 429 || status === 503 || THROTTLE_CODES.has(code)) {
    const after = retryAfterMs(err);
    return make(
      'throttled',
      `the store asks us to slow down (${detail})`,
      after === undefined ? {} : { retryAfterMs: after },
    );
  }
  if (QUOTA_CODES.has(code)) {
    return make(
      'full',
      `the store refuses more data: over its quota (${detail}); raise the quota or make room`,
    );
  }
  if (code === 'KeyTooLongError') {
    return make(
      'bad_request',
      `the object key is longer than the store allows (${detail}); shorten the rule's key template`,
    );
  }
  if (status === 401 || AUTH_CODES.has(code)) {
    return make(
      'auth',
      `the store rejected our credentials (${detail}); check the destination's keys (destination.credentials in the site file, or edge-capture credentials set)`,
    );
  }
  if (status === 403 || code === 'AccessDenied') {
    return make(
      'permission',
      `access denied (${detail}); the credentials need s3:PutObject, s3:GetObject and s3:ListBucket on the bucket`,
    );
  }
  if (code === 'NoSuchBucket') {
    return make('not_found', `the bucket does not exist (${detail}); create it or fix destination.bucket`);
  }
  if (status !== undefined && status >= 500) return make('server', `the store failed (${detail})`);
  if (status !== undefined && status >= 400) {
    return make('bad_request', `the store refused the request (${detail})`);
  }
  // No HTTP answer and no known network code: a bug or a misconfiguration that retrying will not fix.
  return make('bad_request', `unexpected error (${detail})`);
}
