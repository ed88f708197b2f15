import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'vitest';
import { ConfigError } from '../main/engine/config/errors.ts';
import { loadConfig } from '../main/engine/config/load.ts';
import { resolveConfig } from '../main/engine/config/resolve.ts';
import type { ResolvedConfig } from '../main/engine/config/types.ts';
import { compileRules, type FileFacts, type RateCounter } from '../main/engine/rules/index.ts';
import type { Inspection } from '../shared/inspection.ts';
import type { Rule } from '../shared/rules.ts';

const NOW = new Date(Date.UTC(2024, 5, 7, 12, 0));
const noRates: RateCounter = { count: () => 0 };
const examples = fileURLToPath(new URL('../build/examples/', import.meta.url));

function facts(relPath: string, inspection: Partial<Inspection> = {}, folderId = 'cam-north'): FileFacts {
  return {
    folderId,
    relPath,
    absPath: `/srv/${folderId}/${relPath}`,
    device: folderId,
    inspection: {
      size: 200_000,
      mtimeMs: Date.UTC(2024, 5, 7, 9, 5),
      sha256: `0badc0de${'1'.repeat(56)}`,
      contentType: 'image/jpeg',
      contentTypeSource: 'magic',
      tags: {},
      warnings: [],
      ...inspection,
    },
  };
}

function config(rules: Rule[], extra: Record<string, unknown> = {}): ResolvedConfig {
  return resolveConfig(
    {
      site: 'plant-7',
      device: 'edge1',
      folders: [
        { id: 'cam-north', path: '/srv/cam-north' },
        { id: 'logs', path: '/srv/logs' },
      ],
      rules,
      ...extra,
    },
    '(inline)',
  );
}

/** Remembers decisions like the queue does, so rate caps can be tested against real counts. */
class DecisionLog implements RateCounter {
  private readonly decisions: { rule: string; at: number }[] = [];
  record(rule: string, at: number): void {
    this.decisions.push({ rule, at });
  }
  count(rule: string, sinceMs: number): number {
    return this.decisions.filter((d) => d.rule === rule && d.at >= sinceMs).length;
  }
}

describe('deciding', () => {
  test('the first matching rule wins, and the trace shows each rule tried up to it', () => {
    const rules = compileRules(
      config([
        { name: 'personal-data', when: { tags: { any: ['pii:*'] } }, action: 'quarantine' },
        { name: 'images', when: { contentType: 'image/*' }, action: 'upload' },
        { name: 'jpegs', when: { extension: 'jpg' }, action: 'hold' },
      ]),
    );
    const decision = rules.decide(facts('a.jpg'), { now: NOW, rates: noRates });
    assert.equal(decision.rule, 'images');
    assert.equal(decision.ruleIndex, 1);
    assert.deepEqual(decision.trace, [
      { rule: 'personal-data', matched: false, because: 'no tag matches pii:*' },
      { rule: 'images', matched: true, because: 'content type image/jpeg' },
    ]);
    assert.equal(decision.decidedAt, NOW.getTime());
    const pii = rules.decide(facts('a.jpg', { tags: { 'pii:email': 1 } }), { now: NOW, rates: noRates });
    assert.equal(pii.action, 'quarantine');
    assert.equal(pii.reason, 'Quarantined: tagged pii:email (rule personal-data)');
  });

  test('no match falls back to the default action with every rule in the trace', () => {
    const rules = compileRules(config([{ name: 'logs-only', when: { folder: 'logs' }, action: 'upload' }]));
    const decision = rules.decide(facts('a.jpg'), { now: NOW, rates: noRates });
    assert.deepEqual(decision, {
      action: 'skip',
      rule: '(default)',
      ruleIndex: -1,
      reason: 'No rule matched; the site default is to keep files local',
      priority: 0,
      objectKey: undefined,
      metadata: {},
      trace: [{ rule: 'logs-only', matched: false, because: 'folder cam-north is not logs' }],
      decidedAt: NOW.getTime(),
    });
  });

  test('a default of upload renders the default key', () => {
    const rules = compileRules(
      config([], { defaultAction: { action: 'upload' }, defaultKey: '{site}/all/{sha8}.{ext}' }),
    );
    const decision = rules.decide(facts('x/a.jpg'), { now: NOW, rates: noRates });
    assert.equal(decision.action, 'upload');
    assert.equal(decision.reason, 'No rule matched; the site default is to upload');
    assert.equal(decision.objectKey, 'plant-7/all/0badc0de.jpg');
  });

  test('a generated reason names what matched, in operator words', () => {
    const rules = compileRules(
      config([
        {
          name: 'uncertain-people',
          when: { prediction: { class: 'person', score: { near: 0.5, within: 0.1 } } },
          action: 'upload',
          priority: 10,
        },
      ]),
    );
    const decision = rules.decide(
      facts('a.jpg', { predictions: { items: [{ label: 'person', score: 0.52 }] } }),
      {
        now: NOW,
        rates: noRates,
      },
    );
    assert.equal(
      decision.reason,
      'To upload: person detected with score 0.52, within 0.1 of 0.5 (rule uncertain-people)',
    );
    assert.equal(decision.priority, 10);
  });

  test('a rule without conditions matches every file; its own reason wins', () => {
    const rules = compileRules(
      config([{ name: 'hold-all', action: 'hold', reason: 'Site is in review mode' }]),
    );
    const decision = rules.decide(facts('a.jpg'), { now: NOW, rates: noRates });
    assert.equal(decision.reason, 'Site is in review mode');
    assert.deepEqual(decision.trace, [{ rule: 'hold-all', matched: true, because: 'matches every file' }]);
  });

  test('upload decisions carry the rendered key and metadata', () => {
    const rules = compileRules(
      config([
        {
          name: 'frames',
          action: 'upload',
          key: '{site}/{folder}/{yyyy}/{mm}/{dd}/{hh}{min}/{label}/{name}',
          metadata: { rule: '{rule}', device: '{device}', label: '{label}' },
        },
      ]),
    );
    const file = facts('line3/f-001.jpg', {
      predictions: {
        items: [
          { label: 'car', score: 0.2 },
          { label: 'person', score: 0.9 },
        ],
      },
    });
    const decision = rules.decide(file, { now: NOW, rates: noRates });
    assert.equal(decision.objectKey, 'plant-7/cam-north/2024/06/07/0905/person/f-001.jpg');
    assert.deepEqual(decision.metadata, { rule: 'frames', device: 'cam-north', label: 'person' });
  });
});

describe('rate caps', () => {
  test('a capped rule falls through once the cap is reached, and applies again after the window', () => {
    const rules = compileRules(
      config([
        { name: 'sample-frames', when: { contentType: 'image/*' }, rate: { perHour: 3 }, action: 'upload' },
        { name: 'rest', action: 'skip' },
      ]),
    );
    const log = new DecisionLog();
    const decideAt = (ms: number) => {
      const decision = rules.decide(facts('a.jpg'), { now: new Date(ms), rates: log });
      log.record(decision.rule, ms);
      return decision;
    };
    const start = NOW.getTime();
    const first = [0, 1, 2].map((i) => decideAt(start + i * 60_000).rule);
    assert.deepEqual(first, ['sample-frames', 'sample-frames', 'sample-frames']);
    const capped = decideAt(start + 3 * 60_000);
    assert.equal(capped.rule, 'rest');
    assert.deepEqual(capped.trace[0], {
      rule: 'sample-frames',
      matched: false,
      because: 'cap of 3 per hour reached',
    });
    // Just over an hour after the first decision it has left the window.
    assert.equal(decideAt(start + 3_600_001).rule, 'sample-frames');
  });

  test('per-minute and per-day caps are checked too', () => {
    const rules = compileRules(config([{ name: 'r', rate: { perMinute: 1, perDay: 2 }, action: 'upload' }]));
    const log = new DecisionLog();
    const decideAt = (ms: number) => {
      const decision = rules.decide(facts('a.jpg'), { now: new Date(ms), rates: log });
      log.record(decision.rule, ms);
      return decision;
    };
    const start = NOW.getTime();
    assert.equal(decideAt(start).rule, 'r');
    assert.equal(decideAt(start + 1000).trace[0]?.because, 'cap of 1 per minute reached');
    assert.equal(decideAt(start + 120_000).rule, 'r');
    assert.equal(decideAt(start + 240_000).trace[0]?.because, 'cap of 2 per day reached');
  });
});

describe('compiling', () => {
  const valid = config([{ name: 'r', action: 'upload' }]);
  const compileIssues = (rules: Rule[]) => {
    try {
      compileRules({ ...valid, rules });
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.issues.map((issue) => `${issue.path}: ${issue.message}`);
    }
    assert.fail('expected a ConfigError');
  };

  test('reports what only compilation can see in a config built by code', () => {
    assert.deepEqual(
      compileIssues([
        { name: 'a', when: { folder: 'cam-nort', glob: 'x/[ab' }, action: 'upload' },
        {
          name: 'a',
          when: { size: { min: '10MB', max: '1KB' }, timeOfDay: { from: '25:00', to: '06:00' } },
          action: 'skip',
        },
        { name: 'b', when: { sample: 150 }, key: '{year}/{name}', action: 'upload' },
      ]),
      [
        '/rules/0/when/folder: no folder has the id "cam-nort".',
        '/rules/0/when/glob: glob "x/[ab" has an unclosed "[".',
        '/rules/1/name: rule name "a" is already used by rule 0.',
        '/rules/1/when/size: min 10MB is larger than max 1KB.',
        '/rules/1/when/timeOfDay/from: "25:00" is not a time of day.',
        '/rules/2/when/sample: sample 150 is not a percentage.',
        '/rules/2/key: unknown placeholder {year} in "{year}/{name}".',
      ],
    );
  });

  test('compiled rules are the configured rules, in order', () => {
    const cfg = config([
      { name: 'one', action: 'upload' },
      { name: 'two', action: 'skip' },
    ]);
    assert.deepEqual(
      compileRules(cfg).rules.map((rule) => rule.name),
      ['one', 'two'],
    );
  });
});

describe('the example site', () => {
  test('decides typical files as its comments say', async () => {
    const site = await loadConfig(path.join(examples, 'site.yaml'));
    const rules = compileRules(site);
    const decide = (file: FileFacts) => rules.decide(file, { now: NOW, rates: noRates });
    const frame = (items: { label: string; score: number }[]) =>
      facts('2024/06/07/f.jpg', { predictions: { modelVersion: 'v1', items } });

    assert.equal(
      decide(facts('notes.txt', { tags: { 'pii:email': 1 }, contentType: 'text/plain' }, 'logs')).action,
      'quarantine',
    );
    assert.equal(
      decide(facts('f.jpg', { tags: { 'file:empty': 1 }, size: 0 })).rule,
      'skip-empty-or-corrupt',
    );
    const uncertain = decide(frame([{ label: 'person', score: 0.55 }]));
    assert.equal(uncertain.rule, 'uncertain-people');
    assert.equal(uncertain.objectKey, 'plant-7/uncertain/person/2024/06/07/cam-north/f.jpg');
    assert.equal(decide(frame([{ label: 'person', score: 0.2 }])).action, 'hold');
    assert.equal(decide(facts('line.log', { contentType: 'text/plain' }, 'logs')).rule, 'controller-logs');
    assert.equal(decide(facts('f.jpg')).rule, '(default)');
  });
});
