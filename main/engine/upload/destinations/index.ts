import { resolve } from 'node:path';
import type { DestinationConfig } from '../../../../shared/upload-config.ts';
import { DEFAULT_DESTINATION } from '../../queue/delivery-types.ts';
import type { Destination } from '../types.ts';
import { createFilesystemDestination } from './filesystem.ts';
import { createLocalDestination } from './local.ts';
import { createS3Destination, type S3DestinationSettings } from './s3.ts';

export interface DestinationContext {
  dataDir: string;
  /** The destination's name: keys stored for it (`<dataDir>/credentials.json`) serve an S3 destination without its own. */
  name?: string;
  upload: S3DestinationSettings;
}

/** The destination the config asks for; none configured means the embedded local demo store. */
export function createDestination(cfg: DestinationConfig | undefined, ctx: DestinationContext): Destination {
  if (cfg === undefined) return createLocalDestination(ctx.dataDir);
  switch (cfg.type) {
    case 's3':
      return createS3Destination({
        ...cfg,
        ...ctx.upload,
        storedKeys: { dataDir: ctx.dataDir, destination: ctx.name ?? cfg.name ?? DEFAULT_DESTINATION },
      });
    case 'filesystem':
      // The data folder names this engine in its temp files: it cleans up only its own.
      return createFilesystemDestination({ ...cfg, owner: resolve(ctx.dataDir) });
    case 'local':
      return createLocalDestination(ctx.dataDir, cfg);
    default: {
      const type = (cfg as { type?: unknown }).type;
      throw new Error(`destination.type: "${String(type)}" is not one of s3, filesystem, local`);
    }
  }
}

export { createFilesystemDestination } from './filesystem.ts';
export { createLocalDestination, LOCAL_DEMO_LABEL } from './local.ts';
export { createS3Destination, type S3DestinationSettings } from './s3.ts';
export { classifyS3Error } from './s3-errors.ts';
