import { createHash } from 'node:crypto';
import { link, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ResolvedDestination } from '../config/destinations.ts';
import { syncFolderOf, writeSynced } from '../export/folder-write.ts';
import { destinationFsError, ownerTagFor, pathForKey, tempPathFor } from '../upload/destinations/fs-paths.ts';
import { joinKey } from '../upload/destinations/object-keys.ts';
import { classifyS3Error, httpStatusOf } from '../upload/destinations/s3-errors.ts';
import { createS3Transport, describeEndpoint } from '../upload/destinations/s3-transport.ts';
import { UploadError } from '../upload/types.ts';

/**
 * Where review exports go. `putOnce` is for objects that never change (a correction): it stores the
 * bytes unless the key already holds them, and never overwrites other bytes. `putStream` replaces a
 * generated file (a manifest, a COCO file) with a body of unknown length.
 */
export interface ExportSink {
  readonly label: string;
  putOnce(key: string, body: string): Promise<'stored' | 'present'>;
  putStream(key: string, chunks: AsyncIterable<string>, contentType: string): Promise<void>;
  close(): Promise<void>;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

function differentObject(key: string): UploadError {
  return new UploadError(
    'conflict',
    `another object is already at ${key} (not this correction); it is left alone. Check review.keyTemplate: correction keys must include {id}.`,
  );
}

export interface SinkContext {
  dataDir: string;
  requestTimeoutMs: number;
}

/** The sink for the review destination: an S3-compatible store, or a folder (share, local store). */
export function createExportSink(destination: ResolvedDestination, ctx: SinkContext): ExportSink {
  const cfg = destination.config;
  if (cfg?.type === 's3') return s3Sink(cfg, destination.name, ctx);
  const root = cfg?.type === 'filesystem' ? cfg.path : (cfg?.path ?? join(ctx.dataDir, 'local-store'));
  return folderSink(resolve(root), resolve(ctx.dataDir));
}

function s3Sink(
  cfg: Extract<ResolvedDestination['config'], { type: 's3' }>,
  name: string,
  ctx: SinkContext,
): ExportSink {
  const { client } = createS3Transport(cfg, {
    requestTimeoutMs: ctx.requestTimeoutMs,
    maxSockets: 4,
    storedKeys: { dataDir: ctx.dataDir, destination: name },
  });
  const bucket = cfg.bucket;
  const full = (key: string) => joinKey(cfg.prefix, key);
  const fail = (err: unknown, what: string) =>
    err instanceof UploadError ? err : classifyS3Error(err, what, cfg.endpoint);

  async function sameThere(s3: S3Client, key: string, sha256: string): Promise<boolean> {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.Metadata?.['sha256'] === sha256;
  }

  return {
    label: describeEndpoint(cfg),
    async putOnce(key, body) {
      const target = full(key);
      const sha256 = sha256Hex(body);
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: target,
            Body: body,
            ContentType: 'application/json',
            ContentMD5: createHash('md5').update(body).digest('base64'),
            Metadata: { sha256 },
            // Never replaces what is there: a re-send of a confirmed correction is refused and looked at.
            IfNoneMatch: '*',
          }),
        );
        return 'stored';
      } catch (err) {
        const status = httpStatusOf(err);
        if (status !== 412 && status !== 409) throw fail(err, `PUT ${target}`);
      }
      try {
        if (await sameThere(client, target, sha256)) return 'present';
      } catch (err) {
        throw fail(err, `HEAD ${target}`);
      }
      throw differentObject(target);
    },
    async putStream(key, chunks, contentType) {
      const target = full(key);
      try {
        const upload = new Upload({
          client,
          params: { Bucket: bucket, Key: target, Body: Readable.from(chunks), ContentType: contentType },
          queueSize: 1,
          leavePartsOnError: false,
        });
        await upload.done();
      } catch (err) {
        throw fail(err, `upload ${target}`);
      }
    },
    async close() {
      client.destroy();
    },
  };
}

/**
 * A folder: every file is written beside its final name, fsynced, then published in one step (a hard
 * link for objects that must not replace anything, a rename for generated files) and the folder
 * fsynced, so a reader never sees half a file.
 */
function folderSink(root: string, owner: string): ExportSink {
  const tag = ownerTagFor(owner);

  async function writeTemp(path: string, chunks: AsyncIterable<string> | Iterable<string>): Promise<string> {
    await mkdir(join(path, '..'), { recursive: true });
    const temp = tempPathFor(path, tag);
    await writeSynced(temp, chunks);
    return temp;
  }

  return {
    label: root,
    async putOnce(key, body) {
      const path = pathForKey(root, key);
      try {
        const there = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return undefined;
          throw err;
        });
        if (there !== undefined) {
          if (there === body) return 'present';
          throw differentObject(path);
        }
        const temp = await writeTemp(path, [body]);
        try {
          await link(temp, path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          // Someone wrote it meanwhile: the same bytes are fine.
          if ((await readFile(path, 'utf8')) !== body) throw differentObject(path);
          return 'present';
        } finally {
          await rm(temp, { force: true });
        }
        await syncFolderOf(path);
        return 'stored';
      } catch (err) {
        throw err instanceof UploadError ? err : destinationFsError(err, `writing ${path}`);
      }
    },
    async putStream(key, chunks) {
      const path = pathForKey(root, key);
      try {
        const temp = await writeTemp(path, chunks);
        await rename(temp, path).catch(async (err: unknown) => {
          await rm(temp, { force: true });
          throw err;
        });
        await syncFolderOf(path);
      } catch (err) {
        throw err instanceof UploadError ? err : destinationFsError(err, `writing ${path}`);
      }
    },
    async close() {},
  };
}
