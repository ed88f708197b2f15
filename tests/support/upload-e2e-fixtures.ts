import { createHash, randomFillSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CaptureQueue } from '../../main/engine/queue/queue.ts';
import type { FileRecord } from '../../main/engine/queue/types.ts';
import type { FileState } from '../../shared/status.ts';
import type { TestS3Server } from './s3-client.ts';

/** Helpers for the whole-engine upload tests (upload-e2e*.test.ts) against a real S3 server. */

export const MIB = 1024 * 1024;

/** States a file reaches once its upload is confirmed (retention keeps the local copy by default). */
export const UPLOADED_STATES: readonly FileState[] = ['uploaded', 'retained', 'removed'];

/** The `destination:` section for a site config, pointing at `endpoint` (the server, or a proxy in front). */
export function s3DestinationYaml(
  server: TestS3Server,
  bucket: string,
  endpoint: string = server.endpoint,
): string {
  const destination = {
    type: 's3',
    endpoint,
    bucket,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    onConflict: 'report',
  };
  // JSON is valid YAML flow style, and quotes every value safely.
  return `destination: ${JSON.stringify(destination)}`;
}

export async function createBucket(client: S3Client, bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
}

export interface StoredObject {
  key: string;
  size: number;
}

/** Every object in the bucket (ListObjectsV2, all pages). */
export async function listObjects(client: S3Client, bucket: string): Promise<StoredObject[]> {
  const objects: StoredObject[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const item of page.Contents ?? []) objects.push({ key: item.Key ?? '', size: item.Size ?? -1 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/** Multipart uploads the store still holds open (started, neither completed nor aborted). */
export async function listOpenUploads(
  client: S3Client,
  bucket: string,
): Promise<{ key: string; uploadId: string }[]> {
  const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (page.Uploads ?? []).map((u) => ({ key: u.Key ?? '', uploadId: u.UploadId ?? '' }));
}

/** Part numbers the store has completed for one multipart upload. */
export async function listPartNumbers(
  client: S3Client,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<number[]> {
  const numbers: number[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }),
    );
    for (const part of page.Parts ?? []) if (part.PartNumber !== undefined) numbers.push(part.PartNumber);
    if (!page.IsTruncated || page.NextPartNumberMarker === undefined) break;
    marker = page.NextPartNumberMarker;
  }
  return numbers.sort((a, b) => a - b);
}

/** HEAD of a key, or undefined when nothing is stored there. */
export async function headOrAbsent(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
      return undefined;
    }
    throw error;
  }
}

/**
 * Writes `size` random bytes to `path` in 4 MiB chunks (so a 256 MiB file never sits in memory
 * whole) and returns their SHA-256. Written straight to its final name: call it while no engine watches.
 */
export async function writeRandomFile(path: string, size: number): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(4 * MIB);
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < size; ) {
      const slice = chunk.subarray(0, Math.min(chunk.length, size - written));
      randomFillSync(slice);
      hash.update(slice);
      await handle.write(slice, 0, slice.length);
      written += slice.length;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** Like writeRandomFile, but the way devices write: under a temporary name, then renamed into place. */
export async function dropRandomFile(path: string, size: number): Promise<string> {
  const temp = `${path}.part`;
  const sha = await writeRandomFile(temp, size);
  await rename(temp, path);
  return sha;
}

/** Runs `read` on a read-only view of a data folder's queue (works while an engine, here or in a child, writes). */
export function withQueue<T>(dataDir: string, read: (queue: CaptureQueue) => T): T | undefined {
  const path = join(dataDir, 'queue.db');
  if (!existsSync(path)) return undefined;
  const queue = new CaptureQueue(path, { readOnly: true });
  try {
    // The file exists as soon as the first engine opens it, before its tables do.
    if (queue.select("SELECT 1 FROM sqlite_master WHERE name = 'files'").length === 0) return undefined;
    return read(queue);
  } finally {
    queue.close();
  }
}

/** Every file the queue knows, with full records. */
export function allRecords(queue: CaptureQueue): FileRecord[] {
  return queue
    .select('SELECT id FROM files ORDER BY id')
    .map((row) => queue.get(Number(row['id'])))
    .filter((record): record is FileRecord => record !== undefined);
}

/** States a file has ever been in, from its change history. */
export function statesVisited(queue: CaptureQueue, fileId: number): FileState[] {
  return queue.history(fileId).flatMap((change) => (change.to ? [change.to] : []));
}

/** The part number of an UploadPart request URL (…?partNumber=3&uploadId=…). */
export function partNumberOf(url: string): number {
  const value = new URL(url, 'http://x').searchParams.get('partNumber');
  if (value === null) throw new Error(`not an UploadPart URL: ${url}`);
  return Number(value);
}

/** host and port of an http://127.0.0.1:PORT endpoint, for the fault proxy's target. */
export function hostPort(endpoint: string): { host: string; port: number } {
  const url = new URL(endpoint);
  return { host: url.hostname, port: Number(url.port) };
}
