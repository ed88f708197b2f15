import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { resolveConfig } from '../main/engine/config/resolve.ts';
import {
  compileRules,
  type FileFacts,
  renderTemplate,
  safeObjectKey,
  TEMPLATE_PLACEHOLDERS,
} from '../main/engine/rules/index.ts';
import type { Inspection } from '../shared/inspection.ts';

const NOW = new Date(Date.UTC(2025, 0, 2, 3, 4));

function facts(relPath: string, inspection: Partial<Inspection> = {}): FileFacts {
  return {
    folderId: 'cam-north',
    relPath,
    absPath: `/srv/cam-north/${relPath}`,
    device: 'cam-n1',
    inspection: {
      size: 1,
      mtimeMs: Date.UTC(2024, 11, 31, 23, 59, 30),
      sha256: `deadbeef${'0'.repeat(56)}`,
      contentType: 'image/jpeg',
      contentTypeSource: 'magic',
      tags: {},
      warnings: [],
      ...inspection,
    },
  };
}

describe('key templates', () => {
  test('every placeholder renders from the file, the site and the rule', () => {
    const file = facts('line3/frame.0001.jpg', {
      predictions: {
        items: [
          { label: 'car', score: 0.4 },
          { label: 'forklift', score: 0.8 },
        ],
      },
    });
    const rendered = Object.fromEntries(
      TEMPLATE_PLACEHOLDERS.map((name) => [
        name,
        renderTemplate(`{${name}}`, file, { site: 'plant-7', now: NOW, rule: 'r1' }),
      ]),
    );
    assert.deepEqual(rendered, {
      site: 'plant-7',
      device: 'cam-n1',
      folder: 'cam-north',
      path: 'line3/frame.0001.jpg',
      dir: 'line3',
      name: 'frame.0001.jpg',
      stem: 'frame.0001',
      ext: 'jpg',
      yyyy: '2024',
      mm: '12',
      dd: '31',
      hh: '23',
      min: '59',
      sha256: `deadbeef${'0'.repeat(56)}`,
      sha8: 'deadbeef',
      rule: 'r1',
      label: 'forklift',
    });
  });

  test('label is none without predictions; rule is default outside a rule; dir is empty at the top', () => {
    assert.equal(
      renderTemplate('{label}|{rule}|{dir}|{ext}', facts('README'), { site: 's', now: NOW }),
      'none|default||',
    );
  });

  test('literal text is kept and unknown placeholders are refused', () => {
    assert.equal(renderTemplate('raw-{site}-x', facts('a.jpg'), { site: 's', now: NOW }), 'raw-s-x');
    assert.throws(
      () => renderTemplate('{year}', facts('a.jpg'), { site: 's', now: NOW }),
      /Unknown placeholder \{year\}/,
    );
  });
});

describe('object key safety', () => {
  test('no leading slash, no . or .. segments, no empty segments, no backslashes', () => {
    assert.equal(safeObjectKey('/a//b/./c/../d\\e'), 'a/b/c/d/e');
    assert.equal(safeObjectKey('x/\u0007bell'), 'x/_bell');
  });

  test('rendered keys are made safe even when parts come from outside', () => {
    const config = resolveConfig(
      {
        site: 'plant-7',
        device: 'edge1',
        folders: [{ id: 'cam-north', path: '/srv/cam-north' }],
        rules: [{ name: 'all', action: 'upload', key: '/{site}//{label}/{dir}/{name}' }],
      },
      '(inline)',
    );
    const rules = compileRules(config);
    const decide = (file: FileFacts) => rules.decide(file, { now: NOW, rates: { count: () => 0 } }).objectKey;
    assert.equal(
      decide(facts('a.jpg', { predictions: { items: [{ label: '../../etc', score: 1 }] } })),
      'plant-7/.._.._etc/a.jpg',
    );
    assert.equal(decide(facts('../up/./b.jpg')), 'plant-7/none/up/b.jpg');
  });

  test('a key that renders empty falls back to the file name', () => {
    const config = resolveConfig(
      { site: 's', folders: [{ path: '/srv/c' }], rules: [{ name: 'r', action: 'upload', key: '{dir}' }] },
      '(inline)',
    );
    const decision = compileRules(config).decide(facts('top.jpg'), { now: NOW, rates: { count: () => 0 } });
    assert.equal(decision.objectKey, 'top.jpg');
  });

  test('the default key puts files under site, device and date', () => {
    const config = resolveConfig(
      {
        site: 'plant-7',
        device: 'edge1',
        folders: [{ path: '/srv/c' }],
        rules: [{ name: 'r', action: 'upload' }],
      },
      '(inline)',
    );
    const decision = compileRules(config).decide(facts('line3/a.jpg'), {
      now: NOW,
      rates: { count: () => 0 },
    });
    assert.equal(decision.objectKey, 'plant-7/cam-n1/2024/12/31/line3/a.jpg');
  });
});
