import { afterAll, beforeAll, describe } from 'vitest';
import { s3DestinationScenarios } from './support/destination-scenarios.ts';
import { type S3rverServer, startS3rver } from './support/s3rver.ts';

describe('S3 destination against s3rver', () => {
  let server: S3rverServer;
  beforeAll(async () => {
    server = await startS3rver();
  });
  afterAll(async () => {
    await server?.stop();
  });

  s3DestinationScenarios(() => ({
    ...server,
    listsMultipart: false,
    verifiesSignatures: false,
    keepsCutUploads: true,
    honoursIfNoneMatch: false,
  }));
});
