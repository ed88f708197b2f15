import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { ConfigError, formatConfigError } from '../main/engine/config/errors.ts';
import { checkConfigText, loadConfig } from '../main/engine/config/load.ts';
import { UNIT_RULE } from '../main/engine/config/messages.ts';
import { DURATION_PATTERN, SIZE_PATTERN } from '../main/engine/config/patterns.ts';
import { PII_DETECTORS } from '../main/engine/config/pii-detectors.ts';
import { resolveConfig } from '../main/engine/config/resolve.ts';
import { CONFIG_SCHEMA } from '../main/engine/config/schema.ts';
import {
  DEFAULT_KEY_TEMPLATE,
  DEFAULT_TEMP_PREFIXES,
  DEFAULT_TEMP_SUFFIXES,
} from '../main/engine/config/types.ts';
import { parseDuration, parseSize } from '../main/engine/config/units.ts';
import { PII_DETECTOR_NAMES } from '../main/engine/inspect/pii.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const examples = path.join(root, 'build', 'examples');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'edge-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loading the examples', () => {
  test('minimal.yaml gets every default', async () => {
    const config = await loadConfig(path.join(examples, 'minimal.yaml'));
    assert.equal(config.source, path.join(examples, 'minimal.yaml'));
    assert.equal(config.site, 'my-site');
    assert.equal(config.device, os.hostname());
    assert.equal(config.dataDir, path.join(examples, '.edge-capture'));
    assert.deepEqual(config.folders, [
      {
        id: 'captures',
        path: path.join(examples, 'captures'),
        recursive: true,
        polling: false,
        pollIntervalMs: 1000,
        completion: 'auto',
        stableWindowMs: 2000,
        tempSuffixes: DEFAULT_TEMP_SUFFIXES,
        tempPrefixes: DEFAULT_TEMP_PREFIXES,
        ignoreDotfiles: true,
        ignore: [],
        device: os.hostname(),
        symlinks: 'inside',
      },
    ]);
    assert.equal(config.reconcileIntervalMs, 5 * 60_000);
    assert.deepEqual(config.inspect, {
      sidecarPattern: '{stem}.pred.json',
      maxFileSize: 5 * 1024 ** 3,
      pii: { enabled: true, maxScanBytes: 1024 ** 2, detectors: [...PII_DETECTORS], custom: [] },
      plugins: [],
    });
    assert.equal(config.duplicatePolicy, 'skip');
    assert.deepEqual(config.defaultAction, {
      action: 'skip',
      reason: 'No rule matched; the site default is to keep files local',
    });
    assert.equal(config.defaultKey, DEFAULT_KEY_TEMPLATE);
    assert.equal(config.durability, 'normal');
    assert.equal(config.rules.length, 1);
    assert.equal(config.raw.site, 'my-site');
  });

  test('site.yaml loads with its units resolved', async () => {
    const config = await loadConfig(path.join(examples, 'site.yaml'));
    assert.deepEqual(
      config.folders.map((f) => [f.id, f.device, f.polling, f.stableWindowMs, f.completion]),
      [
        ['cam-north', 'cam-north', false, 2000, 'auto'],
        ['cam-south', 'cam-south', true, 2000, 'auto'],
        ['logs', 'line3-edge01', false, 30_000, 'stable'],
      ],
    );
    assert.equal(config.inspect.maxFileSize, 2 * 1024 ** 3);
    assert.deepEqual(config.inspect.pii.custom, [{ tag: 'pii:employee-id', pattern: 'EMP-\\d{6}' }]);
    assert.deepEqual(
      config.rules.map((rule) => rule.action),
      ['quarantine', 'skip', 'upload', 'hold', 'upload', 'upload'],
    );
  });
});

describe('resolving', () => {
  test('JSON works too, and relative paths resolve against the config file', async () => {
    const file = path.join(dir, 'nested', 'site.json');
    await mkdir(path.dirname(file), { recursive: true });
    const doc = {
      site: 'plant-7',
      dataDir: '../state',
      folders: [
        { path: 'cams/north', id: 'north', pollInterval: 250, stableWindow: '1.5s' },
        { path: '~/drop' },
      ],
      inspect: { plugins: ['./plugins/thermal.ts', 'edge-capture-plugin-lidar'], maxFileSize: '100MB' },
      rules: [{ name: 'everything', action: 'upload' }],
      destination: { type: 'filesystem', path: '../share' },
      upload: { concurrency: 4 },
      retention: { afterUpload: 'delete' },
    };
    await writeFile(file, JSON.stringify(doc, null, 2));
    const config = await loadConfig(file);
    assert.equal(config.dataDir, path.join(dir, 'state'));
    assert.equal(config.folders[0]?.path, path.join(dir, 'nested', 'cams', 'north'));
    assert.equal(config.folders[0]?.pollIntervalMs, 250);
    assert.equal(config.folders[0]?.stableWindowMs, 1500);
    assert.equal(config.folders[1]?.path, path.join(os.homedir(), 'drop'));
    assert.equal(config.folders[1]?.id, 'drop');
    assert.deepEqual(config.inspect.plugins, [
      path.join(dir, 'nested', 'plugins', 'thermal.ts'),
      'edge-capture-plugin-lidar',
    ]);
    assert.equal(config.inspect.maxFileSize, 100 * 1024 ** 2, '"100MB" is 100 MiB: one unit rule');
    assert.deepEqual(config.raw.destination, doc.destination);
  });

  test('resolveConfig takes a parsed document and a base directory', () => {
    const config = resolveConfig(
      { site: 's', folders: [{ path: 'in' }], defaultAction: { action: 'hold' } },
      '(inline)',
      {
        baseDir: '/data/site',
      },
    );
    assert.equal(config.folders[0]?.path, '/data/site/in');
    assert.equal(config.dataDir, '/data/site/.edge-capture');
    assert.deepEqual(config.rules, []);
    assert.equal(
      config.defaultAction.reason,
      'No rule matched; the site default is to hold files for review',
    );
  });

  test('checkConfigText validates text without a file on disk', () => {
    const good = checkConfigText(
      'site: s\nfolders: [{ path: /srv/a }]\nrules: [{ name: all, action: upload }]\n',
      path.join(dir, 'draft.yaml'),
    );
    assert.equal(good.issues.length, 0);
    assert.equal(good.config?.folders[0]?.id, 'a');
    const bad = checkConfigText('site: s\nfolders: []\n', path.join(dir, 'draft.yaml'));
    assert.equal(bad.config, undefined);
    assert.equal(bad.issues[0]?.path, '/folders');
  });
});

describe('the published schema', () => {
  test('build/config.schema.json is the exported schema', async () => {
    const published = JSON.parse(await readFile(path.join(root, 'build', 'config.schema.json'), 'utf8'));
    assert.deepEqual(
      published,
      CONFIG_SCHEMA,
      'build/config.schema.json is stale: run `node main/engine/config/write-schema.ts` then `npx biome format --write build/config.schema.json`',
    );
  });

  test('every property has a description and every object refuses unknown keys', () => {
    const missing: string[] = [];
    const walk = (schema: Record<string, unknown>, at: string) => {
      const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
      if (schema.type === 'object' && properties && schema.additionalProperties !== false && !schema.oneOf)
        missing.push(`${at} allows unknown keys`);
      // A section chosen by `type` (destination) is checked branch by branch.
      for (const [i, branch] of ((schema.oneOf as Record<string, unknown>[] | undefined) ?? []).entries()) {
        walk(branch, `${at}/oneOf/${i}`);
      }
      for (const [name, child] of Object.entries(properties ?? {})) {
        if (typeof child.description !== 'string' || child.description.length < 10)
          missing.push(`${at}/${name} has no description`);
        walk(child, `${at}/${name}`);
      }
      if (schema.items) walk(schema.items as Record<string, unknown>, `${at}/items`);
    };
    walk(CONFIG_SCHEMA, '');
    assert.deepEqual(missing, []);
  });

  test('the PII detectors the schema allows are the ones the inspector has', () => {
    assert.deepEqual([...PII_DETECTORS].sort(), [...PII_DETECTOR_NAMES].sort());
  });

  test('the size and duration patterns accept exactly what the unit parser accepts', () => {
    const sizes = [
      '0',
      '4096',
      '4KiB',
      '4 kib',
      '10MB',
      '1.5GiB',
      '2tb',
      '7 B',
      '3k',
      '4 kilobytes',
      '4KiBs',
      '-1',
      '1e3',
      'KB',
      '4 ki',
    ];
    for (const value of sizes) {
      assert.equal(new RegExp(SIZE_PATTERN).test(value), parseSize(value) !== undefined, `size ${value}`);
    }
    const durations = [
      '500ms',
      '30s',
      '30 sec',
      '5m',
      '5min',
      '2h',
      '7d',
      '1w',
      '1.5s',
      '250',
      '5 minutes',
      '2hrs',
      's',
      '3 y',
    ];
    for (const value of durations) {
      assert.equal(
        new RegExp(DURATION_PATTERN).test(value),
        parseDuration(value) !== undefined,
        `duration ${value}`,
      );
    }
  });
});

describe('error reporting', () => {
  test('a missing file is a clear ConfigError', async () => {
    const file = path.join(dir, 'nope.yaml');
    await assert.rejects(loadConfig(file), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(
        formatConfigError(err),
        /nope\.yaml: config file not found \(looked for .*nope\.yaml\)\. Check the path/,
      );
      return true;
    });
  });

  test('an unknown file extension says which ones work', async () => {
    await assert.rejects(
      loadConfig(path.join(dir, 'site.toml')),
      /Name the config file with \.yaml, \.yml or \.json/,
    );
  });

  test('formatConfigError gives file:line:column, the field, the problem and the fix', async () => {
    const file = path.join(dir, 'site.yaml');
    const text = [
      'site: plant-7',
      'folders:',
      '  - path: /srv/cam',
      'rules:',
      '  - name: big-files',
      '    action: skip',
      '    when:',
      '      size:',
      '        min: 4 kilobytes',
    ].join('\n');
    await writeFile(file, text);
    await assert.rejects(loadConfig(file), (err: unknown) => {
      assert.equal(
        formatConfigError(err),
        `${file}:9:14 /rules/0/when/size/min: "4 kilobytes" is not a size. Use bytes or a string like "4KiB", "10MB". ${UNIT_RULE}`,
      );
      assert.match((err as Error).message, /has a problem:/);
      return true;
    });
  });

  test('formatConfigError passes other errors through', () => {
    assert.equal(formatConfigError(new Error('boom')), 'boom');
  });
});
