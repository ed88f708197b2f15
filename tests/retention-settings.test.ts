/** Retention settings: defaults, units, problems named by field, and the schema fragment. */
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, test } from 'vitest';
import {
  archiveDirIssue,
  RETENTION_SCHEMA,
  resolveRetentionSettings,
  retentionConfigIssues,
} from '../main/engine/retention/settings.ts';
import { folderAt } from './support/fs-helpers.ts';

describe('resolveRetentionSettings', () => {
  test('defaults: keep, <dataDir>/archive, no expiry, guard off, 1m, pause', () => {
    assert.deepEqual(resolveRetentionSettings(undefined, '/var/edge'), {
      afterUpload: 'keep',
      archiveDir: '/var/edge/archive',
      keepForMs: undefined,
      diskGuard: {
        enabled: false,
        maxBytes: undefined,
        minFreeBytes: undefined,
        checkIntervalMs: 60_000,
        whenFull: 'pause',
      },
    });
  });

  test('units are resolved and the guard is on when a limit is set', () => {
    const settings = resolveRetentionSettings(
      {
        afterUpload: 'archive',
        archiveDir: 'old',
        keepFor: '7d',
        diskGuard: { minFreeBytes: '5GiB', checkInterval: '30s', whenFull: 'drop-newest' },
      },
      '/var/edge',
      '/etc/edge',
    );
    assert.equal(settings.archiveDir, '/etc/edge/old');
    assert.equal(settings.keepForMs, 7 * 86_400_000);
    assert.deepEqual(settings.diskGuard, {
      enabled: true,
      maxBytes: undefined,
      minFreeBytes: 5 * 1024 ** 3,
      checkIntervalMs: 30_000,
      whenFull: 'drop-newest',
    });
    assert.equal(
      resolveRetentionSettings({ archiveDir: '~/arch' }, '/d').archiveDir,
      join(homedir(), 'arch'),
    );
    assert.equal(resolveRetentionSettings({ diskGuard: { maxBytes: 1000 } }, '/d').diskGuard.maxBytes, 1000);
  });

  test('bad input throws, naming the field and the fix', () => {
    assert.throws(() => resolveRetentionSettings({ keepFor: 'a week' }, '/d'), {
      message: /\/retention\/keepFor: "a week" is not a duration\. .*"7d"/,
    });
  });
});

describe('retentionConfigIssues', () => {
  const paths = (raw: unknown) => retentionConfigIssues(raw).map((issue) => issue.path);

  test('a good section and an absent one have no issues', () => {
    assert.deepEqual(retentionConfigIssues(undefined), []);
    assert.deepEqual(
      retentionConfigIssues({
        afterUpload: 'delete',
        keepFor: 3_600_000,
        diskGuard: { maxBytes: '200GiB', whenFull: 'delete-oldest' },
      }),
      [],
    );
  });

  test('each problem points at its field', () => {
    const issues = retentionConfigIssues({
      afterUpload: 'remove',
      archiveDir: '',
      keepFor: '7 days',
      keepFr: '1d',
      diskGuard: {
        maxBytes: '10 gigs',
        minFreeBytes: -5,
        checkInterval: 5,
        whenFull: 'pause-capture',
        max: 1,
      },
    });
    assert.deepEqual(issues.map((i) => i.path).sort(), [
      '/retention/afterUpload',
      '/retention/archiveDir',
      '/retention/diskGuard/checkInterval',
      '/retention/diskGuard/max',
      '/retention/diskGuard/maxBytes',
      '/retention/diskGuard/minFreeBytes',
      '/retention/diskGuard/whenFull',
      '/retention/keepFor',
      '/retention/keepFr',
    ]);
    const byPath = new Map(issues.map((i) => [i.path, `${i.message} ${i.hint}`]));
    assert.match(
      byPath.get('/retention/afterUpload') ?? '',
      /"remove" is not a choice .* Use one of: keep, delete, archive/,
    );
    assert.match(
      byPath.get('/retention/keepFr') ?? '',
      /"keepFr" is not a setting here\. Did you mean "keepFor"\?/,
    );
    assert.match(byPath.get('/retention/diskGuard/maxBytes') ?? '', /"10 gigs" is not a size/);
    assert.match(byPath.get('/retention/diskGuard/checkInterval') ?? '', /shorter than 1 second/);
    assert.match(byPath.get('/retention/diskGuard/whenFull') ?? '', /Did you mean "pause"\?/);
  });

  test('a guard without a limit, a zero maxBytes and a non-mapping are reported', () => {
    assert.deepEqual(paths({ diskGuard: { whenFull: 'pause' } }), ['/retention/diskGuard']);
    assert.deepEqual(paths({ diskGuard: { maxBytes: 0 } }), ['/retention/diskGuard/maxBytes']);
    assert.deepEqual(paths('delete'), ['/retention']);
    assert.deepEqual(paths({ diskGuard: [] }), ['/retention/diskGuard']);
  });
});

test('an archive folder overlapping a capture folder is an issue', () => {
  const settings = resolveRetentionSettings(
    { afterUpload: 'archive', archiveDir: '/data/cam/archive' },
    '/d',
  );
  assert.match(
    archiveDirIssue(settings, [folderAt('/data/cam')])?.message ?? '',
    /overlaps the capture folder \/data\/cam/,
  );
  assert.match(
    archiveDirIssue({ ...settings, archiveDir: '/data' }, [folderAt('/data/cam')])?.message ?? '',
    /overlaps/,
  );
  assert.equal(
    archiveDirIssue({ ...settings, archiveDir: '/data/archive' }, [folderAt('/data/cam')]),
    undefined,
  );
  assert.equal(archiveDirIssue({ ...settings, afterUpload: 'keep' }, [folderAt('/data/cam')]), undefined);
});

describe('RETENTION_SCHEMA', () => {
  test('every property has a description and no object accepts unknown keys', () => {
    const walk = (schema: Record<string, unknown>, at: string) => {
      assert.equal(typeof schema.description, 'string', `${at} has a description`);
      if (schema.type === 'object') {
        assert.equal(schema.additionalProperties, false, `${at} refuses unknown keys`);
        for (const [key, child] of Object.entries(
          schema.properties as Record<string, Record<string, unknown>>,
        )) {
          walk(child, `${at}/${key}`);
        }
      }
    };
    walk(RETENTION_SCHEMA, '/retention');
  });

  test('it compiles in strict mode and agrees with the checks on good and bad documents', () => {
    const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(
      RETENTION_SCHEMA,
    );
    const good = {
      afterUpload: 'archive',
      archiveDir: '/a',
      keepFor: '7d',
      diskGuard: { maxBytes: '10GiB', minFreeBytes: 5e9, checkInterval: '1m', whenFull: 'delete-oldest' },
    };
    assert.equal(validate(good), true, JSON.stringify(validate.errors));
    for (const bad of [
      { afterUpload: 'remove' },
      { keepFor: '7 days' },
      { diskGuard: { maxBytes: '10 gigs' } },
      { extra: 1 },
    ]) {
      assert.equal(validate(bad), false, JSON.stringify(bad));
      assert.notDeepEqual(retentionConfigIssues(bad), [], JSON.stringify(bad));
    }
  });
});
