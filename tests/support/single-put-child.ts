/**
 * Uploads one file as a single PUT in a process of its own, so its peak RSS is this upload's:
 *   node single-put-child.ts '{"server":…,"bucket":…,"source":…}'
 * Answers with one line of JSON: how much the peak RSS grew during the upload, and the key.
 */
import { readFileSync } from 'node:fs';
import { createS3Destination } from '../../main/engine/upload/destinations/s3.ts';
import type { UploadSource } from '../../main/engine/upload/types.ts';
import { uploadOptions } from './destination-fixtures.ts';
import type { TestS3Server } from './s3-client.ts';

const job = JSON.parse(process.argv[2] ?? '{}') as {
  server: TestS3Server;
  bucket: string;
  source: UploadSource;
  warmUp: UploadSource;
};
const peakKb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);

const destination = createS3Destination({
  type: 's3',
  endpoint: job.server.endpoint,
  region: job.server.region,
  bucket: job.bucket,
  credentials: { accessKeyId: job.server.accessKeyId, secretAccessKey: job.server.secretAccessKey },
  partSize: 16 * 1024 * 1024,
  multipartThreshold: 256 * 1024 * 1024,
  partConcurrency: 1,
  requestTimeoutMs: 60_000,
  maxSockets: 2,
});
// The same code paths once, smaller, so loading them is not counted.
const warmUp = {
  ...job.source,
  absPath: job.warmUp.absPath,
  size: job.warmUp.size,
  mtimeMs: job.warmUp.mtimeMs,
  sha256: job.warmUp.sha256,
  objectKey: 'warm-up.bin',
};
await destination.upload(warmUp, uploadOptions());
const before = peakKb();
const result = await destination.upload(job.source, uploadOptions());
const grewMb = (peakKb() - before) / 1024;
await destination.close();
process.stdout.write(`${JSON.stringify({ grewMb, key: result.key })}\n`);
