import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { resolveConfig } from '../main/engine/config/resolve.ts';
import { compileRules, type FileFacts } from '../main/engine/rules/index.ts';
import type { Decision } from '../shared/decision.ts';
import type { Inspection } from '../shared/inspection.ts';
import type { Rule, RulePredicates } from '../shared/rules.ts';

const NOW = new Date(2024, 5, 7, 15, 0); // Friday 7 June 2024, 15:00 local time
const noRates = { count: () => 0 };

function facts(relPath: string, inspection: Partial<Inspection> = {}, folderId = 'cam-north'): FileFacts {
  return {
    folderId,
    relPath,
    absPath: `/srv/${folderId}/${relPath}`,
    device: 'cam-north',
    inspection: {
      size: 10_000,
      mtimeMs: NOW.getTime() - 60_000,
      sha256: 'a'.repeat(64),
      contentType: 'image/jpeg',
      contentTypeSource: 'magic',
      tags: {},
      warnings: [],
      ...inspection,
    },
  };
}

/** One rule with the given conditions, followed by the default (skip). */
function decideWith(when: RulePredicates, file: FileFacts, rule: Partial<Rule> = {}): Decision {
  const config = resolveConfig(
    {
      site: 'plant-7',
      folders: [
        { id: 'cam-north', path: '/srv/cam-north' },
        { id: 'logs', path: '/srv/logs' },
      ],
      rules: [{ name: 'r', action: 'upload', when, ...rule }],
    },
    '(inline)',
  );
  return compileRules(config).decide(file, { now: NOW, rates: noRates });
}

function expectMatch(when: RulePredicates, file: FileFacts): Decision {
  const decision = decideWith(when, file);
  assert.equal(decision.rule, 'r', `expected rule r to match, trace: ${JSON.stringify(decision.trace)}`);
  return decision;
}

function expectMiss(when: RulePredicates, file: FileFacts, because: string): void {
  const decision = decideWith(when, file);
  assert.equal(decision.rule, '(default)');
  assert.deepEqual(decision.trace, [{ rule: 'r', matched: false, because }]);
}

describe('file predicates', () => {
  test('folder', () => {
    expectMatch({ folder: 'cam-north' }, facts('a.jpg'));
    expectMatch({ folder: ['logs', 'cam-north'] }, facts('a.jpg'));
    expectMiss({ folder: 'logs' }, facts('a.jpg'), 'folder cam-north is not logs');
  });

  test('glob on the path relative to the folder', () => {
    expectMatch({ glob: '**/*.jpg' }, facts('line3/2024/a.jpg'));
    expectMatch({ glob: '**/*.jpg' }, facts('a.jpg'));
    expectMatch({ glob: ['night/*', 'day/*.{jpg,png}'] }, facts('day/b.png'));
    expectMiss({ glob: 'night/**' }, facts('day/a.jpg'), 'path day/a.jpg does not match night/**');
  });

  test('extension, any case, with or without the dot', () => {
    expectMatch({ extension: 'jpg' }, facts('A.JPG'));
    expectMatch({ extension: ['.PNG', '.jpg'] }, facts('x/a.jpg'));
    expectMatch({ extension: 'tar.gz' }, facts('logs.tar.gz'));
    expectMiss({ extension: ['jpg', 'png'] }, facts('notes.txt'), 'extension .txt is not .jpg or .png');
    expectMiss({ extension: 'jpg' }, facts('README'), 'file has no extension, wanted .jpg');
  });

  test('content type with wildcards and parameters', () => {
    expectMatch({ contentType: 'image/*' }, facts('a.jpg'));
    expectMatch({ contentType: 'text/plain' }, facts('a.txt', { contentType: 'text/plain; charset=utf-8' }));
    expectMatch({ contentType: '*/*' }, facts('a.bin', { contentType: 'application/octet-stream' }));
    expectMiss(
      { contentType: ['image/*', 'video/mp4'] },
      facts('a.txt', { contentType: 'text/plain' }),
      'content type text/plain is not image/* or video/mp4',
    );
  });

  test('size range with units', () => {
    expectMatch({ size: { min: '4KiB', max: '10MB' } }, facts('a.jpg', { size: 4096 }));
    expectMiss({ size: { min: '4KiB' } }, facts('a.jpg', { size: 4000 }), 'size 3.9 KiB is below min 4 KiB');
    expectMiss(
      { size: { max: 1_000_000 } },
      facts('a.jpg', { size: 12 * 1024 ** 2 }),
      'size 12 MiB is above max 977 KiB',
    );
  });

  test('age is now minus mtime', () => {
    expectMatch({ age: { min: '30s', max: '2m' } }, facts('a.jpg', { mtimeMs: NOW.getTime() - 60_000 }));
    expectMiss(
      { age: { min: '5m' } },
      facts('a.jpg', { mtimeMs: NOW.getTime() - 120_000 }),
      'age 2 min is below min 5 min',
    );
    expectMiss(
      { age: { max: '1h' } },
      facts('a.jpg', { mtimeMs: NOW.getTime() - 2 * 86_400_000 }),
      'age 2 d is above max 1 h',
    );
  });
});

describe('time of day', () => {
  const at = (day: number, hours: number, minutes: number) => ({
    mtimeMs: new Date(2024, 5, day, hours, minutes).getTime(),
  });
  const night = { from: '22:00', to: '06:00' };

  test('a window inside one day', () => {
    expectMatch({ timeOfDay: { from: '08:00', to: '17:30' } }, facts('a.jpg', at(7, 8, 0)));
    expectMiss(
      { timeOfDay: { from: '08:00', to: '17:30' } },
      facts('a.jpg', at(7, 17, 30)),
      'time 17:30 is outside 08:00–17:30',
    );
  });

  test('a window that wraps midnight', () => {
    expectMatch({ timeOfDay: night }, facts('a.jpg', at(7, 23, 10)));
    expectMatch({ timeOfDay: night }, facts('a.jpg', at(8, 2, 0)));
    expectMiss({ timeOfDay: night }, facts('a.jpg', at(7, 14, 5)), 'time 14:05 is outside 22:00–06:00');
  });

  test('days name the day the window starts', () => {
    const fridayNights = { ...night, days: ['fri'] };
    expectMatch({ timeOfDay: fridayNights }, facts('a.jpg', at(7, 23, 0))); // Friday evening
    expectMatch({ timeOfDay: fridayNights }, facts('a.jpg', at(8, 2, 0))); // early Saturday, Friday's night
    expectMiss(
      { timeOfDay: fridayNights },
      facts('a.jpg', at(8, 23, 0)),
      'the 22:00–06:00 window that started on sat is not on fri',
    );
  });
});

describe('tags', () => {
  const tagged = facts('a.txt', { tags: { 'pii:email': 2, 'file:text': 1 } });

  test('all, any and none with * patterns', () => {
    expectMatch({ tags: { all: ['pii:*', 'file:text'] } }, tagged);
    expectMatch({ tags: { any: ['pii:phone', 'pii:email'] } }, tagged);
    expectMatch({ tags: { none: ['file:corrupt', 'file:empty'] } }, tagged);
    expectMiss({ tags: { all: ['pii:*'] } }, facts('a.txt'), 'no tag matches pii:*');
    expectMiss(
      { tags: { any: ['file:empty', 'file:corrupt'] } },
      tagged,
      'no tag matches file:empty or file:corrupt',
    );
    expectMiss({ tags: { none: ['pii:*'] } }, tagged, 'tag pii:email matches excluded pii:*');
  });

  test('a tag counted zero times is not present', () => {
    expectMiss(
      { tags: { any: ['pii:*'] } },
      facts('a.txt', { tags: { 'pii:email': 0 } }),
      'no tag matches pii:*',
    );
  });
});

describe('predictions', () => {
  const frame = (items: { label: string; score: number }[], modelVersion = 'yolo-v8.2') =>
    facts('a.jpg', { predictions: { modelVersion, items } });

  test('class and a score band near a value', () => {
    const uncertain = { class: 'person', score: { near: 0.5, within: 0.1 } };
    const decision = expectMatch(
      { prediction: uncertain },
      frame([
        { label: 'car', score: 0.5 },
        { label: 'Person', score: 0.6 },
      ]),
    );
    assert.equal(decision.reason, 'To upload: Person detected with score 0.6, within 0.1 of 0.5 (rule r)');
    expectMiss(
      { prediction: uncertain },
      frame([
        { label: 'person', score: 0.91 },
        { label: 'car', score: 0.5 },
      ]),
      'no person detection with score within 0.1 of 0.5 (best: person 0.91)',
    );
  });

  test('min and max bounds', () => {
    expectMatch({ prediction: { score: { min: 0.2, max: 0.4 } } }, frame([{ label: 'dog', score: 0.4 }]));
    expectMiss(
      { prediction: { class: ['cat', 'dog'], score: { max: 0.3 } } },
      frame([{ label: 'dog', score: 0.4 }]),
      'no cat or dog detection with score at most 0.3 (best: dog 0.4)',
    );
  });

  test('match all and none', () => {
    const confident = { score: { min: 0.8 }, match: 'all' as const };
    expectMatch(
      { prediction: confident },
      frame([
        { label: 'a', score: 0.9 },
        { label: 'b', score: 0.85 },
      ]),
    );
    expectMiss(
      { prediction: confident },
      frame([
        { label: 'a', score: 0.9 },
        { label: 'b', score: 0.3 },
      ]),
      'b 0.3 is not a detection with score at least 0.8',
    );
    expectMiss({ prediction: confident }, frame([]), 'no detections');
    const noPeople = { class: 'person', match: 'none' as const };
    expectMatch({ prediction: noPeople }, frame([{ label: 'car', score: 0.9 }]));
    expectMiss(
      { prediction: noPeople },
      frame([{ label: 'person', score: 0.7 }]),
      'person 0.7 is a person detection, which this rule excludes',
    );
  });

  test('present and model version', () => {
    expectMatch({ prediction: { present: true } }, frame([]));
    expectMiss({ prediction: { present: true } }, facts('a.jpg'), 'no predictions sidecar');
    expectMatch({ prediction: { present: false } }, facts('a.jpg'));
    expectMiss({ prediction: { present: false } }, frame([]), 'has a predictions sidecar');
    expectMatch({ prediction: { modelVersion: ['yolo-v8.1', 'yolo-v8.2'] } }, frame([]));
    expectMiss(
      { prediction: { modelVersion: 'yolo-v9' } },
      frame([]),
      'model version yolo-v8.2 is not yolo-v9',
    );
  });

  test('any detection is required unless only presence is asked', () => {
    expectMiss({ prediction: { class: 'person' } }, facts('a.jpg'), 'no predictions sidecar');
    expectMiss({ prediction: {} }, frame([]), 'no detections');
  });
});

describe('sampling', () => {
  const hash = (i: number) => `${i.toString(16).padStart(8, '0')}${'0'.repeat(56)}`;

  test('is stable for the same file and rule', () => {
    const file = facts('a.jpg', { sha256: hash(42) });
    const first = decideWith({ sample: 50 }, file).rule;
    for (let i = 0; i < 5; i++) assert.equal(decideWith({ sample: 50 }, file).rule, first);
  });

  test('takes roughly the asked share, and different rules take different files', () => {
    const config = resolveConfig(
      {
        site: 'plant-7',
        folders: [{ id: 'cam-north', path: '/srv/cam-north' }],
        rules: [
          { name: 'five-percent', action: 'upload', when: { sample: 5 } },
          { name: 'other-five-percent', action: 'hold', when: { sample: 5 } },
        ],
      },
      '(inline)',
    );
    const rules = compileRules(config);
    let first = 0;
    let second = 0;
    const total = 4000;
    for (let i = 0; i < total; i++) {
      const decision = rules.decide(facts('a.jpg', { sha256: hash(i) }), { now: NOW, rates: noRates });
      if (decision.rule === 'five-percent') first++;
      if (decision.rule === 'other-five-percent') second++;
    }
    // 5% of 4000 is 200 with a standard deviation near 14.
    assert.ok(first > 140 && first < 260, `five-percent took ${first} of ${total}`);
    assert.ok(second > 130 && second < 260, `other-five-percent took ${second} of the rest`);
  });

  test('0 takes nothing and 100 takes everything', () => {
    for (let i = 0; i < 50; i++) {
      const file = facts('a.jpg', { sha256: hash(i) });
      assert.equal(decideWith({ sample: 0 }, file).rule, '(default)');
      assert.equal(decideWith({ sample: 100 }, file).rule, 'r');
    }
    expectMiss({ sample: 0 }, facts('a.jpg'), 'not in the 0% sample');
  });
});

describe('actions', () => {
  for (const action of ['upload', 'skip', 'quarantine', 'hold'] as const) {
    test(`${action}: matches and carries the action; only upload gets an object key`, () => {
      const decision = decideWith({ extension: 'jpg' }, facts('a.jpg'), { action });
      assert.equal(decision.action, action);
      assert.equal(decision.ruleIndex, 0);
      assert.equal(decision.objectKey !== undefined, action === 'upload');
      const missed = decideWith({ extension: 'png' }, facts('a.jpg'), { action });
      assert.equal(missed.action, 'skip');
      assert.equal(missed.ruleIndex, -1);
    });
  }
});
