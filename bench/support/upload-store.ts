/**
 * The one S3 server every tool in the upload benchmark writes to: a real Ceph RGW on loopback
 * (default) or s3rver. Each tool gets its own fresh bucket, which is emptied and deleted after it
 * is measured so the next tool finds the server as the first one did.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { startRgw } from '../../tests/support/rgw.ts';
import { makeTestClient } from '../../tests/support/s3-client.ts';
import { startS3rver } from '../../tests/support/s3rver.ts';

const execFileAsync = promisify(execFile);

export type ServerKind = 'rgw' | 's3rver';

export interface BenchStore {
  kind: ServerKind;
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  client: S3Client;
  /** The server's own processes (RGW: mon, osd, radosgw); none when it runs inside this process. */
  serverPids: number[];
  /** Resident memory of the process holding the objects (RGW: the memstore OSD), in MB. */
  storeRssMb(): number | undefined;
  stop(): Promise<void>;
  /** Frees what deleted objects still hold (RGW keeps multipart tails for its garbage collector). */
  reclaim(): Promise<void>;
}

function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

export async function startStore(kind: ServerKind): Promise<BenchStore> {
  if (kind === 's3rver') {
    const server = await startS3rver();
    return {
      kind,
      endpoint: server.endpoint,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      region: server.region,
      client: makeTestClient(server),
      serverPids: [],
      storeRssMb: () => undefined, // s3rver runs inside this process and keeps objects on disk
      stop: () => server.stop(),
      reclaim: async () => {},
    };
  }
  const server = await startRgw();
  const conf = join(server.dir, 'ceph.conf');
  return {
    kind,
    endpoint: server.endpoint,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    region: server.region,
    client: makeTestClient(server),
    serverPids: [server.pids.mon, server.pids.osd, server.pids.rgw],
    storeRssMb: () => rssMb(server.pids.osd),
    stop: () => server.stop(),
    // Deleted objects' tails wait two hours for RGW's GC by default; the memstore OSD (2 GiB)
    // cannot hold three tools' 1 GiB each, so collect them now.
    reclaim: async () => {
      await execFileAsync('radosgw-admin', ['-c', conf, 'gc', 'process', '--include-all'], {
        timeout: 120_000,
      });
    },
  };
}

export async function createBucket(store: BenchStore, bucket: string): Promise<void> {
  await store.client.send(new CreateBucketCommand({ Bucket: bucket }));
}

async function listKeys(
  store: BenchStore,
  bucket: string,
  onPage: (objects: { key: string; size: number }[]) => Promise<void> | void,
): Promise<void> {
  let token: string | undefined;
  do {
    const page = await store.client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token, MaxKeys: 1000 }),
    );
    await onPage((page.Contents ?? []).map((o) => ({ key: o.Key ?? '', size: o.Size ?? 0 })));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** How many objects and bytes the bucket holds: proof that a tool stored everything. */
export async function bucketContents(
  store: BenchStore,
  bucket: string,
): Promise<{ objects: number; bytes: number }> {
  let objects = 0;
  let bytes = 0;
  await listKeys(store, bucket, (page) => {
    objects += page.length;
    for (const o of page) bytes += o.size;
  });
  return { objects, bytes };
}

/**
 * Deletes every object (one DeleteObject each, 32 at once: RGW 16.2 wants Content-MD5 on
 * DeleteObjects, which the SDK no longer sends), any unfinished multipart upload, then the bucket.
 */
export async function dropBucket(store: BenchStore, bucket: string): Promise<void> {
  await listKeys(store, bucket, async (page) => {
    for (let i = 0; i < page.length; i += 32) {
      await Promise.all(
        page
          .slice(i, i + 32)
          .map((o) => store.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.key }))),
      );
    }
  });
  // s3rver cannot list multipart uploads; it drops unfinished ones with the bucket anyway.
  const uploads = await store.client
    .send(new ListMultipartUploadsCommand({ Bucket: bucket }))
    .catch(() => ({ Uploads: [] }));
  for (const u of uploads.Uploads ?? []) {
    await store.client.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }),
    );
  }
  await store.client.send(new DeleteBucketCommand({ Bucket: bucket }));
  await store.reclaim();
}
