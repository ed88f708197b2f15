import { createHash } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';

export interface TestS3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/**
 * An S3 client for a local test store. Checksums are only sent when an
 * operation requires them: RGW 16.2 rejects the SDK's default aws-chunked
 * trailing checksums.
 */
export function makeTestClient(server: TestS3Server): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function readObject(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!response.Body) throw new Error(`GetObject s3://${bucket}/${key} returned no body`);
  return Buffer.from(await response.Body.transformToByteArray());
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Base64 MD5, the form the Content-MD5 header takes. */
export function contentMd5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('base64');
}
