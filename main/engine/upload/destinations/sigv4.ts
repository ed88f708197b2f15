import { createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';

/** AWS Signature Version 4 for S3 requests without a query string (HEAD and PUT of an object). */

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RequestToSign {
  method: string;
  /** The path exactly as sent, already URI-encoded (S3 signs it without encoding it again). */
  path: string;
  /** Header names in lower case. Every one is signed; `host` must be among them. */
  headers: Record<string, string>;
  /** Hex sha256 of the body (S3 checks it against what arrives). */
  payloadSha256: string;
}

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** `a b/ü+(1).jpg` → `a%20b/%C3%BC%2B%281%29.jpg`: RFC 3986 per segment, slashes kept, as S3 signs keys. */
export function encodeKeyPath(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

/** `20250101T000000Z` */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * Signs requests for one region with credentials that may change (temporary ones are refreshed):
 * the day's signing key is derived once per day, region and secret.
 */
export class SigV4Signer {
  private readonly region: string;
  private keyFor = '';
  // A KeyObject: HMAC with a raw Buffer key costs several times more per request.
  private key: KeyObject | undefined;

  constructor(region: string) {
    this.region = region;
  }

  /** Adds x-amz-date, x-amz-content-sha256, x-amz-security-token and authorization to the headers. */
  sign(request: RequestToSign, credentials: SigningCredentials, nowMs: number): void {
    const headers = request.headers;
    const date = amzDate(nowMs);
    const day = date.slice(0, 8);
    headers['x-amz-date'] = date;
    headers['x-amz-content-sha256'] = request.payloadSha256;
    if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
    const names = Object.keys(headers).sort();
    // Servers fold runs of spaces and trim before they check; so must we.
    const canonicalHeaders = names
      .map((name) => `${name}:${String(headers[name]).trim().replace(/ +/g, ' ')}\n`)
      .join('');
    const signedHeaders = names.join(';');
    const canonicalRequest = [
      request.method,
      request.path,
      '',
      canonicalHeaders,
      signedHeaders,
      request.payloadSha256,
    ].join('\n');
    const scope = `${day}/${this.region}/s3/aws4_request`;
    const stringToSign = ['AWS4-HMAC-SHA256', date, scope, hash('sha256', canonicalRequest)].join('\n');
    const signature = createHmac('sha256', this.signingKey(day, credentials.secretAccessKey))
      .update(stringToSign)
      .digest('hex');
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  }

  private signingKey(day: string, secret: string): KeyObject {
    const id = `${day}\0${secret}`;
    if (this.key === undefined || id !== this.keyFor) {
      const raw = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), this.region), 's3'), 'aws4_request');
      this.key = createSecretKey(raw);
      this.keyFor = id;
    }
    return this.key;
  }
}
