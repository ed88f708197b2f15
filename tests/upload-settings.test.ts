/** The `upload` and `destination` config sections: defaults, units, operator-worded problems, schema. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'vitest';
import { retryDelay } from '../main/engine/upload/backoff.ts';
import { DESTINATION_SCHEMA, UPLOAD_SCHEMA } from '../main/engine/upload/schema.ts';
import { resolveUploadSettings, uploadConfigIssues } from '../main/engine/upload/settings.ts';

const MiB = 1024 * 1024;

// ajv is CommonJS; its default export is the class.
type AjvClass = new (
  options: Record<string, unknown>,
) => {
  compile(
    schema: unknown,
  ): ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] };
};
const Ajv = createRequire(import.meta.url)('ajv') as { default: AjvClass };

describe('resolveUploadSettings', () => {
  test('every default applies when the section is missing', () => {
    const settings = resolveUploadSettings(undefined);
    assert.equal(settings.concurrency, 4);
    assert.equal(settings.partConcurrency, 4);
    assert.equal(settings.multipartThreshold, 64 * MiB);
    assert.equal(settings.partSize, 16 * MiB);
    assert.equal(settings.maxAttempts, 5);
    assert.deepEqual(settings.backoff, { initialMs: 1000, maxMs: 300_000 });
    assert.equal(settings.order, 'oldest');
    assert.equal(settings.bandwidth.isUnlimited, true);
    assert.equal(settings.offlineProbeIntervalMs, 30_000);
    assert.equal(settings.requestTimeoutMs, 120_000);
  });

  test('units are resolved and the bandwidth timetable parsed', () => {
    const settings = resolveUploadSettings({
      concurrency: 2,
      multipartThreshold: '8MiB',
      partSize: '5MiB',
      backoff: { initial: '250ms', max: '1m' },
      order: 'newest',
      bandwidth: '08:00,512k 18:00,off',
      offlineProbeInterval: '10s',
      requestTimeout: 30_000,
    });
    assert.equal(settings.concurrency, 2);
    assert.equal(settings.multipartThreshold, 8 * MiB);
    assert.equal(settings.partSize, 5 * MiB);
    assert.deepEqual(settings.backoff, { initialMs: 250, maxMs: 60_000 });
    assert.equal(settings.order, 'newest');
    assert.equal(settings.bandwidth.limitAt(new Date(2024, 0, 3, 9, 0)), 512 * 1024);
    assert.equal(settings.offlineProbeIntervalMs, 10_000);
    assert.equal(settings.requestTimeoutMs, 30_000);
  });

  test('problems point at the field and say how to fix it', () => {
    const issues = uploadConfigIssues({
      concurrency: 0,
      partConcurrency: 2.5,
      maxAttempts: -1,
      partSize: '1MiB',
      multipartThreshold: 'big',
      backoff: { initial: '10m', max: '1m' },
      order: 'random' as 'oldest',
      bandwidth: '08:00,fast',
      offlineProbeInterval: '0s',
      requestTimeout: 'soon',
    });
    const byPath = new Map(issues.map((issue) => [issue.path, issue]));
    assert.deepEqual([...byPath.keys()].sort(), [
      '/upload/backoff/initial',
      '/upload/bandwidth',
      '/upload/concurrency',
      '/upload/maxAttempts',
      '/upload/multipartThreshold',
      '/upload/offlineProbeInterval',
      '/upload/order',
      '/upload/partConcurrency',
      '/upload/partSize',
      '/upload/requestTimeout',
    ]);
    assert.match(byPath.get('/upload/partSize')!.message, /5MiB to 5GiB/);
    assert.match(byPath.get('/upload/bandwidth')!.message, /"fast" is not a bandwidth limit/);
    assert.match(byPath.get('/upload/backoff/initial')!.hint, /at most backoff.max/);
    assert.match(byPath.get('/upload/multipartThreshold')!.message, /"big" is not a size/);
    for (const issue of issues) assert.ok(issue.hint.length > 10, `${issue.path} has a hint`);
    assert.deepEqual(uploadConfigIssues({ partSize: '16MiB', bandwidth: 'Mon-08:00,1M Sat-00:00,off' }), []);
  });

  test('resolving an invalid section throws with every problem listed', () => {
    assert.throws(
      () => resolveUploadSettings({ concurrency: 0, bandwidth: 'lots' }),
      (error: unknown) =>
        error instanceof Error &&
        error.message.includes('/upload/concurrency') &&
        error.message.includes('/upload/bandwidth'),
    );
  });
});

describe('retryDelay', () => {
  const settings = { initialMs: 1000, maxMs: 60_000 };

  test('full jitter under a ceiling that doubles per attempt and stops at max', () => {
    assert.equal(retryDelay(1, settings, { random: () => 0.999 }), 999);
    assert.equal(retryDelay(3, settings, { random: () => 0.5 }), 2000);
    assert.equal(retryDelay(20, settings, { random: () => 0.5 }), 30_000);
    assert.equal(retryDelay(1, settings, { random: () => 0 }), 0);
    const delays = Array.from({ length: 200 }, () => retryDelay(4, settings));
    assert.ok(delays.every((delay) => delay >= 0 && delay < 8000));
    assert.ok(new Set(delays).size > 50, 'delays are spread out, not in step');
  });

  test("a store's Retry-After is a floor", () => {
    assert.equal(retryDelay(1, settings, { retryAfterMs: 7000, random: () => 0.5 }), 7000);
    assert.equal(retryDelay(8, settings, { retryAfterMs: 100, random: () => 0.5 }), 30_000);
  });
});

describe('schema fragments', () => {
  const ajv = new Ajv.default({ allErrors: true, strict: false });
  const destination = ajv.compile(DESTINATION_SCHEMA);
  const upload = ajv.compile(UPLOAD_SCHEMA);

  test('valid destinations and upload sections pass', () => {
    const ok = [
      { type: 's3', bucket: 'captures', endpoint: 'http://127.0.0.1:9000', prefix: 'edge/', tagging: true },
      {
        type: 's3',
        bucket: 'captures',
        credentials: { profile: 'edge' },
        objectLock: { mode: 'GOVERNANCE', days: 30 },
      },
      { type: 'filesystem', path: '/mnt/scale/captures', fsync: false, onConflict: 'suffix' },
      { type: 'local' },
    ];
    for (const value of ok) assert.equal(destination(value), true, JSON.stringify(destination.errors));
    assert.equal(
      upload({
        concurrency: 8,
        partSize: '16MiB',
        backoff: { initial: '1s' },
        bandwidth: '08:00,512k 18:00,off',
      }),
      true,
      JSON.stringify(upload.errors),
    );
    assert.equal(upload({ bandwidth: 1048576 }), true);
  });

  test('typos and wrong shapes fail', () => {
    const bad = [
      { type: 's3' },
      { type: 's3', bucket: 'captures', bukcet: 'x' },
      { type: 'filesystem' },
      { type: 'ftp', path: '/x' },
      { type: 's3', bucket: 'captures', endpoint: 'localhost:9000' },
      { type: 'local', path: '/x', fsync: true },
    ];
    for (const value of bad) assert.equal(destination(value), false, JSON.stringify(value));
    assert.equal(upload({ concurency: 2 }), false);
    assert.equal(upload({ concurrency: 0 }), false);
    assert.equal(upload({ partSize: '16 parsecs' }), false);
    assert.equal(upload({ order: 'random' }), false);
  });

  test('every property carries a description for editors', () => {
    const missing: string[] = [];
    const walk = (schema: unknown, path: string) => {
      if (!schema || typeof schema !== 'object') return;
      const node = schema as Record<string, unknown>;
      if (typeof node.description !== 'string' || node.description.length === 0) missing.push(path);
      for (const [name, child] of Object.entries((node.properties as Record<string, unknown>) ?? {})) {
        walk(child, `${path}/${name}`);
      }
      for (const [index, branch] of ((node.oneOf as unknown[]) ?? []).entries())
        walk(branch, `${path}/oneOf/${index}`);
    };
    walk(DESTINATION_SCHEMA, '/destination');
    walk(UPLOAD_SCHEMA, '/upload');
    assert.deepEqual(missing, []);
  });
});
