import { join, resolve } from 'node:path';
import type { LocalDestinationConfig } from '../../../../shared/upload-config.ts';
import type { Destination } from '../types.ts';
import { createFilesystemDestination } from './filesystem.ts';

export const LOCAL_DEMO_LABEL = 'LOCAL DEMO STORE';

/**
 * The zero-config default: objects are copied into a folder on this machine, so the app works
 * before any store is set up. Its label says plainly that the data has not left the machine.
 */
export function createLocalDestination(dataDir: string, cfg?: LocalDestinationConfig): Destination {
  const path = resolve(cfg?.path ?? join(dataDir, 'local-store'));
  return createFilesystemDestination({
    type: 'filesystem',
    path,
    fsync: true,
    isLocalDemo: true,
    owner: resolve(dataDir),
    label: `${LOCAL_DEMO_LABEL} (${path}): data has not left this machine; configure a destination to upload`,
  });
}
