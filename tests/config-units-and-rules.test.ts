import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { ConfigError } from '../main/engine/config/errors.ts';
import { resolveConfig } from '../main/engine/config/resolve.ts';
import { parseByteRate, parseSize } from '../main/engine/config/units.ts';
import { parseRate } from '../main/engine/upload/bandwidth.ts';
import { makeSite, type Site } from './support/engine-fixtures.ts';

const CLI = join(import.meta.dirname, '..', 'main', 'cli', 'index.ts');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
const MiB = 1024 ** 2;

const sites: Site[] = [];
afterAll(async () => {
  for (const site of sites) await site.cleanup();
});

function issuesOf(doc: Record<string, unknown>) {
  try {
    resolveConfig(doc, '/etc/edge/site.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues;
  }
  return assert.fail('the config was accepted');
}

describe('one unit rule for sizes and rates', () => {
  test('"4M" is the same number of bytes as a size and as a bandwidth', () => {
    for (const written of ['4M', '4MB', '4MiB', '4 mb', '4m']) {
      assert.equal(parseSize(written), 4 * MiB, `size ${written}`);
      assert.equal(parseRate(written), 4 * MiB, `rate ${written}`);
    }
    assert.equal(parseSize('3k'), 3 * 1024);
    assert.equal(parseSize('1.5G'), 1.5 * 1024 * MiB);
    assert.equal(parseSize('4096'), 4096);
    // Bits only for rates, 1000-based as link speeds are quoted.
    assert.equal(parseByteRate('10Mbit'), 1_250_000);
    assert.equal(parseRate('100 kbit/s'), 12_500);
    assert.equal(parseSize('10Mbit'), undefined);

    const config = resolveConfig(
      {
        site: 's',
        folders: [{ path: '/srv/cam' }],
        rules: [{ name: 'all', action: 'upload' }],
        inspect: { maxFileSize: '4M' },
        upload: { bandwidth: '4M' },
      },
      '/etc/edge/site.yaml',
    );
    assert.equal(config.inspect.maxFileSize, config.upload.bandwidth.limitAt(new Date()));
  });

  test('validate says how it read each size and rate', async () => {
    const site = await makeSite(
      ({ captures, dataDir }) =>
        `site: s\ndataDir: ${dataDir}\nfolders: [{ path: ${captures} }]\nrules: [{ name: all, action: upload }]\ninspect: { maxFileSize: 10MB }\nupload: { bandwidth: "08:00,4M 18:00,off" }\n`,
    );
    sites.push(site);
    const result = cli('validate', '--config', site.configPath);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /1024-based/);
    assert.match(result.stdout, /\/inspect\/maxFileSize: "10MB" = 10 MiB \(10,485,760 bytes\)/);
    assert.match(result.stdout, /\/upload\/bandwidth: "4M" = 4 MiB \(4,194,304 bytes\) per second/);
  });
});

describe('a config without rules', () => {
  test('is refused when it would skip every file silently, naming the field and the fix', () => {
    for (const rules of [[], undefined]) {
      const issues = issuesOf({ site: 's', folders: [{ path: '/srv/cam' }], ...(rules ? { rules } : {}) });
      assert.equal(issues.length, 1, JSON.stringify(issues));
      assert.equal(issues[0]?.path, '/rules');
      assert.match(issues[0]?.message ?? '', /no rules.*skip/);
      assert.match(issues[0]?.hint ?? '', /defaultAction: \{ action: upload \}/);
    }
  });

  test('is accepted with an explicit default action, and validate warns loudly', async () => {
    const config = resolveConfig(
      { site: 's', folders: [{ path: '/srv/cam' }], rules: [], defaultAction: { action: 'upload' } },
      '/etc/edge/site.yaml',
    );
    assert.equal(config.warnings.length, 1);
    assert.match(config.warnings[0]?.message ?? '', /no rules: every file gets the default action "upload"/);

    const site = await makeSite(
      ({ captures, dataDir }) =>
        `site: s\ndataDir: ${dataDir}\nfolders: [{ path: ${captures} }]\nrules: []\ndefaultAction: { action: upload }\n`,
    );
    sites.push(site);
    const result = cli('validate', '--config', site.configPath);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /WARNING \/rules: There are no rules: every file gets the default action "upload"/,
    );
    const json = JSON.parse(cli('validate', '--config', site.configPath, '--json').stdout);
    assert.equal(json.warnings[0].path, '/rules');
  });
});
