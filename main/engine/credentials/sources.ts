import type { S3DestinationConfig } from '../../../shared/upload-config.ts';
import { storedKeysProtection } from './destination-store.ts';

/**
 * Where an S3 destination's keys come from, first found wins (the engine's order, see
 * destination-store.ts): the site file's keys, its profile, the keys stored for the destination,
 * then the environment / default profile. Never the keys themselves.
 */
export type KeySource = 'config' | 'profile' | 'stored' | 'environment' | 'none';

export interface KeySourceFacts {
  source: KeySource;
  /** Operator words: where from, with at most the last 4 characters of an access key id. */
  words: string;
  /** Keys are stored for this destination but the site file's win. */
  storedUnused: boolean;
}

const tail = (id: string) => `access key …${id.slice(-4)}`;

export function keySourceOf(
  cfg: S3DestinationConfig,
  stored: { accessKeyId: string } | undefined,
  env: NodeJS.ProcessEnv = process.env,
): KeySourceFacts {
  const c = cfg.credentials;
  if (c?.accessKeyId) {
    return {
      source: 'config',
      words: `set in the site file (${tail(c.accessKeyId)})`,
      storedUnused: stored !== undefined,
    };
  }
  if (c?.profile) {
    return {
      source: 'profile',
      words: `set: profile "${c.profile}" from the AWS credentials file`,
      storedUnused: stored !== undefined,
    };
  }
  if (stored) {
    return {
      source: 'stored',
      words: `stored for this destination (${tail(stored.accessKeyId)}), ${storedKeysProtection()}`,
      storedUnused: false,
    };
  }
  if (env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY']) {
    return {
      source: 'environment',
      words: `from the environment (AWS_ACCESS_KEY_ID, ${tail(env['AWS_ACCESS_KEY_ID'])})`,
      storedUnused: false,
    };
  }
  return {
    source: 'none',
    words: 'not set here: the engine uses the default AWS profile (~/.aws), if it has one',
    storedUnused: false,
  };
}
