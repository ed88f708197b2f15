import type { S3DestinationConfig } from '../../../shared/upload-config.ts';
import { destinationCredentials } from '../../engine/credentials/destination-store.ts';
import { CredentialsError } from '../../engine/credentials/store.ts';
import type { StoredKeysFact } from '../settings-words.ts';
import type { SiteControl } from '../site-control.ts';
import { type HandlerMap, RequestFailed, siteOf } from './types.ts';

/**
 * Keys typed in the UI go to the engine host, which stores them for the destination in
 * `<dataDir>/credentials.json` (mode 600; in the desktop app sealed with the OS key store through the
 * main process, see destination-store.ts) and answers only that they are set. Nothing here returns,
 * logs or broadcasts a key; failures name the file and the fix, never a value.
 * The engine uses stored keys from its next request to the store (see destination-store.ts).
 */
function s3Destination(site: SiteControl, name: string): S3DestinationConfig {
  const found = site.config.destinations.find((d) => d.name === name);
  if (!found) {
    throw new RequestFailed(
      `There is no destination "${name}" (${site.config.destinations.map((d) => d.name).join(', ')}).`,
    );
  }
  if (found.config?.type !== 's3') {
    throw new RequestFailed(`Destination "${name}" is not an S3 store: it needs no keys.`);
  }
  return found.config;
}

function failedWith(error: unknown): never {
  if (error instanceof CredentialsError) throw new RequestFailed(error.message);
  throw error;
}

/** The stored keys' ids (for their last 4 characters) by destination, or why they cannot be read. */
export async function storedKeyFacts(site: SiteControl): Promise<Map<string, StoredKeysFact>> {
  const store = destinationCredentials(site.config.dataDir);
  const facts = new Map<string, StoredKeysFact>();
  for (const d of site.config.destinations) {
    if (d.config?.type !== 's3') continue;
    try {
      const keys = await store.read(d.name);
      if (keys) facts.set(d.name, { accessKeyId: keys.accessKeyId });
    } catch (error) {
      if (!(error instanceof CredentialsError)) throw error;
      facts.set(d.name, { problem: error.message });
    }
  }
  return facts;
}

export const credentialsHandlers: HandlerMap<'credentials.set' | 'credentials.clear'> = {
  'credentials.set': async (engine, params, host) => {
    const site = siteOf(host);
    const cfg = s3Destination(site, params.destination);
    const given = cfg.credentials?.accessKeyId ? 'keys' : cfg.credentials?.profile ? 'a profile' : undefined;
    if (given) {
      throw new RequestFailed(
        `The site file gives ${given} for destination "${params.destination}", and they win over stored keys: nothing stored. Remove destination.credentials from the site file to use keys set here.`,
      );
    }
    const { destination, accessKeyId, secretAccessKey, sessionToken } = params;
    await destinationCredentials(site.config.dataDir)
      .write(destination, { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) })
      .catch(failedWith);
    engine.queue.note('upload', `keys for destination ${destination} stored from the UI`);
    host.broadcast('credentials.changed', { destination, set: true });
    return { set: true, destination };
  },

  'credentials.clear': async (engine, params, host) => {
    const site = siteOf(host);
    s3Destination(site, params.destination);
    const cleared = await destinationCredentials(site.config.dataDir)
      .clear(params.destination)
      .catch(failedWith);
    if (cleared) {
      engine.queue.note('upload', `stored keys for destination ${params.destination} removed from the UI`);
      host.broadcast('credentials.changed', { destination: params.destination, set: false });
    }
    return { cleared, destination: params.destination };
  },
};
