/** What travels with each object: S3-safe user metadata and object tags built from the queue record. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import type { FileRecord } from '../main/engine/queue/types.ts';
import {
  buildObjectMetadata,
  buildObjectTags,
  METADATA_BUDGET_BYTES,
} from '../main/engine/upload/metadata.ts';
import type { Inspection } from '../shared/inspection.ts';

const ctx = { site: 'plant-7', device: 'cam-2' };
const mtimeMs = Date.UTC(2024, 4, 17, 6, 30, 0);

function record(overrides: Partial<FileRecord> = {}, inspection: Partial<Inspection> = {}): FileRecord {
  return {
    id: 1,
    folderId: 'line-a',
    relPath: 'shots/0001.jpg',
    absPath: '/captures/line-a/shots/0001.jpg',
    size: 4096,
    mtimeMs,
    state: 'queued',
    stateChangedAt: mtimeMs,
    discoveredAt: mtimeMs,
    sha256: 'ab'.repeat(32),
    contentType: 'image/jpeg',
    inspection: {
      size: 4096,
      mtimeMs,
      sha256: 'ab'.repeat(32),
      contentType: 'image/jpeg',
      contentTypeSource: 'magic',
      tags: {},
      warnings: [],
      ...inspection,
    },
    rule: 'defects',
    priority: 0,
    attempts: 0,
    ...overrides,
  };
}

function metadataBytes(metadata: Record<string, string>): number {
  return Object.entries(metadata).reduce(
    (sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v),
    0,
  );
}

describe('buildObjectMetadata', () => {
  test('site, device, folder, capture time, rule, type, hash, PII and prediction summary', () => {
    const metadata = buildObjectMetadata(
      record(
        {},
        {
          tags: { 'pii:phone': 1, 'pii:email': 3, reviewed: 1 },
          predictions: {
            modelVersion: 'yolo-8.1',
            items: [
              { label: 'scratch', score: 0.41 },
              { label: 'dent', score: 0.9312 },
              { label: 'ok', score: 0.2 },
            ],
          },
        },
      ),
      ctx,
    );
    assert.deepEqual(metadata, {
      sha256: 'ab'.repeat(32),
      site: 'plant-7',
      device: 'cam-2',
      folder: 'line-a',
      'captured-at': '2024-05-17T06:30:00.000Z',
      rule: 'defects',
      'content-type': 'image/jpeg',
      'model-version': 'yolo-8.1',
      'prediction-count': '3',
      'top-label': 'dent',
      'top-score': '0.931',
      pii: 'email=3,phone=1',
    });
  });

  test('no PII and no predictions leave those keys out', () => {
    const metadata = buildObjectMetadata(record(), ctx);
    assert.equal('pii' in metadata, false);
    assert.equal('top-label' in metadata, false);
    assert.equal(metadata.rule, 'defects');
  });

  test('keys are lowercase header-safe names; values are printable US-ASCII', () => {
    const metadata = buildObjectMetadata(
      record({
        folderId: 'Linie Süd',
        decision: {
          action: 'upload',
          rule: 'defects',
          ruleIndex: 0,
          reason: 'test',
          priority: 0,
          metadata: { 'Operator Name': 'Zoë 100% 🙂', Batch_ID: 'B-7\nX' },
          trace: [],
          decidedAt: 0,
        },
      }),
      ctx,
    );
    assert.equal(metadata.folder, 'Linie S%C3%BCd');
    assert.equal(metadata['operator-name'], 'Zo%C3%AB 100%25 %F0%9F%99%82');
    assert.equal(metadata['batch_id'], undefined);
    assert.equal(metadata['batch-id'], 'B-7%0AX');
    for (const [key, value] of Object.entries(metadata)) {
      assert.match(key, /^[a-z0-9-]+$/);
      assert.match(value, /^[\x20-\x7e]*$/);
      // What was encoded decodes back to the original text.
      assert.doesNotThrow(() => decodeURIComponent(value));
    }
    assert.equal(decodeURIComponent(metadata['operator-name']!), 'Zoë 100% 🙂');
  });

  test('the rule cannot override the core keys, and the total stays under the 2 KB S3 allows', () => {
    const extra: Record<string, string> = { sha256: 'forged', site: 'elsewhere' };
    for (let i = 0; i < 40; i++) extra[`note-${i}`] = 'x'.repeat(100);
    const metadata = buildObjectMetadata(
      record(
        {
          decision: {
            action: 'upload',
            rule: 'defects',
            ruleIndex: 0,
            reason: 'test',
            priority: 0,
            metadata: extra,
            trace: [],
            decidedAt: 0,
          },
        },
        {
          tags: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`pii:custom-detector-${i}`, i + 1])),
        },
      ),
      ctx,
    );
    assert.equal(metadata.sha256, 'ab'.repeat(32));
    assert.equal(metadata.site, 'plant-7');
    assert.ok(metadata.pii?.startsWith('custom-detector-0=1,'));
    assert.ok(metadataBytes(metadata) <= METADATA_BUDGET_BYTES, `${metadataBytes(metadata)} bytes`);
    assert.ok(metadataBytes(metadata) < 2048);
    assert.ok(
      Object.keys(metadata).some((key) => key.startsWith('note-')),
      'extras fill what room is left',
    );
  });
});

describe('buildObjectTags', () => {
  test('at most ten tags, with only the characters S3 allows', () => {
    const tags = buildObjectTags(
      record(
        {
          decision: {
            action: 'upload',
            rule: 'defects',
            ruleIndex: 0,
            reason: 'test',
            priority: 0,
            metadata: { shift: 'night#2', a: '1', b: '2', c: '3', d: '4' },
            trace: [],
            decidedAt: 0,
          },
        },
        {
          tags: { 'pii:email': 2, 'pii:iban': 1 },
          predictions: { modelVersion: 'v3', items: [{ label: 'dent', score: 0.8 }] },
        },
      ),
      ctx,
    );
    assert.ok(Object.keys(tags).length <= 10);
    assert.equal(tags.site, 'plant-7');
    assert.equal(tags.pii, 'true');
    assert.equal(tags['pii-kinds'], 'email iban');
    assert.equal(tags['top-label'], 'dent');
    assert.equal(tags['content-type'], 'image/jpeg');
    assert.equal(tags.shift, 'night_2');
    for (const [key, value] of Object.entries(tags)) {
      assert.match(key, /^[\p{L}\p{N} +\-=._:/@]{1,128}$/u);
      assert.match(value, /^[\p{L}\p{N} +\-=._:/@]{0,256}$/u);
    }
  });

  test('a file without PII says so, for lifecycle rules', () => {
    assert.equal(buildObjectTags(record(), ctx).pii, 'false');
  });
});
