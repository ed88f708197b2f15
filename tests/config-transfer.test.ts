import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'vitest';
import { ConfigError } from '../main/engine/config/errors.ts';
import { resolveConfig } from '../main/engine/config/resolve.ts';

// The destination, upload and retention sections go through the same validation as the rest.
const base = {
  site: 'plant-7',
  dataDir: '/var/lib/ec',
  folders: [{ path: '/srv/cam' }],
  rules: [{ name: 'all', action: 'upload' }],
};

function issuesOf(doc: Record<string, unknown>): { path: string; message: string; hint: string }[] {
  try {
    resolveConfig({ ...base, ...doc }, '/etc/edge/site.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues;
  }
  assert.fail('the config was accepted');
}

describe('destination, upload and retention config', () => {
  test('a typo in an s3 destination key names the key and suggests the right one', () => {
    const issues = issuesOf({
      destination: { type: 's3', bucket: 'core-data', endpont: 'http://127.0.0.1:9000' },
    });
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0]?.path, '/destination/endpont');
    assert.match(issues[0]?.hint ?? '', /Did you mean "endpoint"/);
  });

  test('an unknown destination type lists the valid ones', () => {
    const issues = issuesOf({ destination: { type: 'ftp' } });
    assert.ok(
      issues.some((issue) => issue.path === '/destination/type' && /s3/.test(issue.hint + issue.message)),
    );
  });

  test('a bad bandwidth timetable is reported at /upload/bandwidth', () => {
    const issues = issuesOf({ upload: { bandwidth: '08:00,fast' } });
    assert.ok(
      issues.some((issue) => issue.path.startsWith('/upload/bandwidth')),
      JSON.stringify(issues),
    );
  });

  test('an archive folder inside a capture folder is refused', () => {
    const issues = issuesOf({ retention: { afterUpload: 'archive', archiveDir: '/srv/cam/archive' } });
    assert.ok(
      issues.some((issue) => issue.path === '/retention/archiveDir'),
      JSON.stringify(issues),
    );
  });

  test('defaults and paths resolve against the config file', () => {
    const config = resolveConfig(
      { ...base, destination: { type: 'filesystem', path: 'share' }, upload: { partSize: '8MiB' } },
      '/etc/edge/site.yaml',
    );
    assert.deepEqual(config.destination, { type: 'filesystem', path: path.resolve('/etc/edge/share') });
    assert.equal(config.upload.partSize, 8 * 1024 * 1024);
    assert.equal(config.upload.concurrency, 4);
    assert.equal(config.retention.afterUpload, 'keep');
    assert.equal(config.retention.archiveDir, '/var/lib/ec/archive');
  });
});
