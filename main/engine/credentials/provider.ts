import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { destinationCredentials } from './destination-store.ts';

/** Where an S3 client looks for keys stored for its destination (see destination-store.ts for the order). */
type Chain = ReturnType<typeof defaultProvider>;
type AwsCredentialIdentity = Awaited<ReturnType<Chain>>;
type AwsCredentialIdentityProvider = (options?: Parameters<Chain>[0]) => Promise<AwsCredentialIdentity>;

export interface StoredKeysSource {
  dataDir: string;
  destination: string;
}

/**
 * Keys for a destination whose site file gives neither keys nor a profile: the ones stored for it in
 * `<dataDir>/credentials.json`, else the SDK's default chain (environment, default profile, …).
 * Every identity is handed out as about to expire, so the SDK asks again before each request: keys
 * set or cleared while the engine runs count from its next request (the file is re-read only when it
 * changed). An unsafe or damaged file fails the request with its reason (which names the fix).
 */
export function storedKeysProvider(source: StoredKeysSource): AwsCredentialIdentityProvider {
  const store = destinationCredentials(source.dataDir);
  let chain: Chain | undefined;
  const soon = () => new Date(Date.now() + 1_000);
  return async (options) => {
    const stored = await store.read(source.destination);
    if (stored) {
      const identity: AwsCredentialIdentity = {
        accessKeyId: stored.accessKeyId,
        secretAccessKey: stored.secretAccessKey,
        ...(stored.sessionToken ? { sessionToken: stored.sessionToken } : {}),
        expiration: soon(),
      };
      return identity;
    }
    chain ??= defaultProvider();
    const found = await chain(options);
    const expiration =
      found.expiration && found.expiration.getTime() < Date.now() + 1_000 ? found.expiration : soon();
    return { ...found, expiration };
  };
}
