import { after, before, describe } from 'node:test';
import { s3DestinationScenarios } from './support/destination-scenarios.ts';
import { type S3rverServer, startS3rver } from './support/s3rver.ts';

describe('S3 destination against s3rver', () => {
  let server: S3rverServer;
  before(async () => {
    server = await startS3rver();
  });
  after(async () => {
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
