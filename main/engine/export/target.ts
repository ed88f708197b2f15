import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { DestinationConfig } from '../../../shared/upload-config.ts';
import { DEFAULT_DESTINATION } from '../queue/delivery-types.ts';
import { pathForKey } from '../upload/destinations/fs-paths.ts';
import { createS3Client } from '../upload/destinations/s3-transport.ts';
import { syncFolderOf, writeSynced } from './folder-write.ts';

/** A generated file's content: called again for each attempt, so a failed upload regenerates it. */
export type Body = () => AsyncIterable<string | Uint8Array>;

export interface Written {
  /** The key as stored (destination prefix applied). */
  key: string;
  bytes: number;
}

/** Where generated exports (manifests, COCO files, lists) go: the store, or a folder. */
export interface ExportTarget {
  readonly description: string;
  write(key: string, contentType: string, body: Body): Promise<Written>;
  close(): void;
}

/** A failure writing an export, in words, with what was being written. */
export class ExportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExportError';
  }
}

const ATTEMPTS = 3;

/**
 * Exports to an S3 destination stream through lib-storage's Upload: the body's length is unknown
 * until it is generated, and Upload sends it in parts as it comes. A failed attempt aborts its
 * multipart upload and the body is generated again.
 */
export function s3ExportTarget(client: S3Client, bucket: string, prefix = ''): ExportTarget {
  return {
    description: `s3://${bucket}/${prefix}`,
    async write(key, contentType, body) {
      const fullKey = `${prefix}${key}`;
      let lastError: unknown;
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        let bytes = 0;
        const counted = Readable.from(
          (async function* () {
            for await (const chunk of body()) {
              const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
              bytes += buffer.length;
              yield buffer;
            }
          })(),
        );
        try {
          const upload = new Upload({
            client,
            params: { Bucket: bucket, Key: fullKey, Body: counted, ContentType: contentType },
            queueSize: 2,
            leavePartsOnError: false,
          });
          await upload.done();
          return { key: fullKey, bytes };
        } catch (error) {
          lastError = error;
          counted.destroy();
        }
      }
      throw new ExportError(
        `Could not write ${fullKey} to s3://${bucket} after ${ATTEMPTS} attempts: ${messageOf(lastError)}`,
        { cause: lastError },
      );
    },
    close: () => client.destroy(),
  };
}

/** Exports to a folder (a share or the local demo store): a temp file, fsynced, renamed into place. */
export function folderExportTarget(root: string): ExportTarget {
  const base = resolve(root);
  return {
    description: base,
    async write(key, _contentType, body) {
      const path = pathForKey(base, key);
      await mkdir(dirname(path), { recursive: true });
      const temp = join(dirname(path), `.${randomBytes(6).toString('hex')}.export-tmp`);
      try {
        const bytes = await writeSynced(temp, body());
        await rename(temp, path).catch(async (error: unknown) => {
          await rm(temp, { force: true });
          throw error;
        });
        await syncFolderOf(path).catch(() => undefined);
        return { key, bytes };
      } catch (error) {
        throw new ExportError(`Could not write ${path}: ${messageOf(error)}`, { cause: error });
      }
    },
    close: () => undefined,
  };
}

/** The export target for a configured destination (none: the local demo store in the data folder). */
export function exportTargetFor(
  config: DestinationConfig | undefined,
  dataDir: string,
  /** The destination's name (keys stored for it serve an S3 store without its own); default: the config's. */
  name?: string,
): ExportTarget {
  if (config === undefined) return folderExportTarget(join(dataDir, 'local-store'));
  switch (config.type) {
    case 's3':
      return s3ExportTarget(
        createS3Client(config, {
          requestTimeoutMs: 120_000,
          maxSockets: 4,
          storedKeys: { dataDir, destination: name ?? config.name ?? DEFAULT_DESTINATION },
        }),
        config.bucket,
        config.prefix ?? '',
      );
    case 'filesystem':
      return folderExportTarget(config.path);
    case 'local':
      return folderExportTarget(config.path ?? join(dataDir, 'local-store'));
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
