import * as v from 'valibot';
import { readOwnerOnly, removeOwnerOnly, writeOwnerOnly } from './owner-only-file.ts';
import {
  type CredentialsStatus,
  type CredentialsStore,
  parseCredentials,
  type S3Credentials,
  s3CredentialsSchema,
} from './store.ts';

/**
 * Headless mode (no desktop keyring): the keys as JSON in a file only the owner can read (0600).
 * The protection is the file system's, which the status says plainly.
 */
export class OwnerOnlyFileStore implements CredentialsStore {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  async read(): Promise<S3Credentials | undefined> {
    const bytes = await readOwnerOnly(this.path);
    return bytes === undefined ? undefined : parseCredentials(bytes.toString('utf8'), this.path);
  }

  async write(credentials: S3Credentials): Promise<void> {
    await writeOwnerOnly(this.path, JSON.stringify(v.parse(s3CredentialsSchema, credentials)));
  }

  async clear(): Promise<void> {
    await removeOwnerOnly(this.path);
  }

  async status(): Promise<CredentialsStatus> {
    return {
      set: (await this.read()) !== undefined,
      protection: `a file only you can read (${this.path}, mode 600); not encrypted`,
    };
  }
}
