import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface S3rverServer {
  endpoint: string;
  accessKeyId: 'S3RVER';
  secretAccessKey: 'S3RVER';
  region: 'us-east-1';
  /** The directory s3rver keeps its buckets in; removed by stop(). */
  dir: string;
  stop(): Promise<void>;
}

// s3rver ships no type declarations: this is the slice of its API we use.
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
  vhostBuckets: boolean;
}) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

/** Starts s3rver on 127.0.0.1 with a free port and its own temp directory. */
export async function startS3rver(opts: { buckets?: string[] } = {}): Promise<S3rverServer> {
  const dir = await mkdtemp(join(tmpdir(), 'edge-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: (opts.buckets ?? []).map((name) => ({ name })),
    // Path-style only: 127.0.0.1 has no bucket subdomains.
    vhostBuckets: false,
  });
  const address = await server.run();
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    region: 'us-east-1',
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Keep-alive sockets from SDK clients would otherwise hold close() open.
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
