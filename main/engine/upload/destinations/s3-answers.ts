import type { IncomingHttpHeaders } from 'node:http';
import { S3ServiceException } from '@aws-sdk/client-s3';
import type { ObjectAttributes, ObjectHead } from './s3-object.ts';

/** What a store answered to one direct request (the body is kept only for errors, and only its start). */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** x-amz-content-sha256 for a body whose hash is not signed (its Content-MD5 is, and the store checks it). */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

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

export const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

const xmlField = (xml: string, name: string): string | undefined =>
  new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

/** Bodiless answers (HEAD) carry no error code: the SDK then names the error after the status. */
const STATUS_NAMES: Record<number, string> = {
  301: 'MovedPermanently',
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
};

/** The SDK's own exception type for an error answer, so s3-errors.ts reads it like any SDK failure. */
export function answerError(answer: Answer, what: string): S3ServiceException {
  const code = xmlField(answer.body, 'Code') ?? STATUS_NAMES[answer.status] ?? 'Unknown';
  const error = new S3ServiceException({
    name: code,
    $fault: answer.status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: answer.status, requestId: header(answer.headers, 'x-amz-request-id') },
    message: xmlField(answer.body, 'Message') ?? `${what} answered HTTP ${answer.status}`,
  });
  error.$response = { statusCode: answer.status, headers: flatHeaders(answer.headers), body: undefined };
  return error;
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name of Object.keys(headers)) flat[name] = header(headers, name) ?? '';
  return flat;
}

export function attributeHeaders(attributes: ObjectAttributes): Record<string, string> {
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

export function headOutput(headers: IncomingHttpHeaders): ObjectHead {
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
    ObjectLockMode: header(headers, 'x-amz-object-lock-mode') as ObjectHead['ObjectLockMode'],
  };
}
