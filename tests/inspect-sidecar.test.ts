import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ResolvedInspect } from '../main/engine/config/types.ts';
import { createInspector, type Inspector } from '../main/engine/inspect/index.ts';

const config = (sidecarPattern: string): ResolvedInspect => ({
  sidecarPattern,
  maxFileSize: 1024 ** 3,
  pii: { enabled: false, maxScanBytes: 1024, detectors: [], custom: [] },
  plugins: [],
});

describe('sidecar naming', () => {
  it('finds {stem}.pred.json next to the file, stripping only the last extension', async () => {
    const inspector = await createInspector(config('{stem}.pred.json'));
    assert.equal(inspector.sidecarPathFor('/data/cam/img.001.jpg'), '/data/cam/img.001.pred.json');
    assert.equal(inspector.isSidecar('img.001.pred.json'), true);
    assert.equal(inspector.isSidecar('day1/img.pred.json'), true);
    assert.equal(inspector.isSidecar('img.json'), false);
    assert.equal(inspector.isSidecar('img.jpg'), false);
    assert.equal(inspector.isSidecar('pred.json'), false, 'a sidecar name needs a stem');
  });

  it('supports {name} and sidecars in a subfolder', async () => {
    const byName = await createInspector(config('{name}.json'));
    assert.equal(byName.sidecarPathFor('/data/cam/a.jpg'), '/data/cam/a.jpg.json');
    const subfolder = await createInspector(config('preds/{stem}.json'));
    assert.equal(subfolder.sidecarPathFor('/data/cam/a.jpg'), path.join('/data/cam/preds/a.json'));
    assert.equal(subfolder.isSidecar('preds/a.json'), true);
    assert.equal(subfolder.isSidecar('day1/preds/a.json'), true);
    assert.equal(subfolder.isSidecar('a.json'), false);
  });
});

describe('sidecar predictions', () => {
  let dir: string;
  let inspector: Inspector;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'inspect-sidecar-'));
    inspector = await createInspector(config('{stem}.pred.json'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** Writes the capture (and its sidecar, when given) under `day1/` and inspects the capture. */
  async function inspectWithSidecar(stem: string, sidecar?: string | object) {
    await fs.mkdir(path.join(dir, 'day1'), { recursive: true });
    const relPath = `day1/${stem}.jpg`;
    await fs.writeFile(path.join(dir, relPath), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    if (sidecar !== undefined) {
      const text = typeof sidecar === 'string' ? sidecar : JSON.stringify(sidecar);
      await fs.writeFile(path.join(dir, 'day1', `${stem}.pred.json`), text);
    }
    return inspector.inspect({ folderId: 'cam', absPath: path.join(dir, relPath), relPath });
  }

  it('has no predictions and no warning when there is no sidecar', async () => {
    const result = await inspectWithSidecar('lonely');
    assert.equal(result.predictions, undefined);
    assert.deepEqual(result.warnings, []);
  });

  it('reads model_version and predictions with boxes', async () => {
    const result = await inspectWithSidecar('a', {
      model_version: 'yolo-v8.2',
      predictions: [
        { label: 'person', score: 0.91, box: { x: 10, y: 20, w: 30, h: 40 } },
        { label: 'car', score: 0.5 },
      ],
    });
    assert.deepEqual(result.predictions, {
      modelVersion: 'yolo-v8.2',
      source: 'day1/a.pred.json',
      items: [
        { label: 'person', score: 0.91, box: { x: 10, y: 20, w: 30, h: 40 } },
        { label: 'car', score: 0.5 },
      ],
    });
    assert.deepEqual(result.warnings, []);
  });

  it('accepts detections with class/confidence/bbox and objects with name/probability', async () => {
    const detections = await inspectWithSidecar('b', {
      modelVersion: 7,
      detections: [{ class: 'forklift', confidence: 0.8, bbox: [1, 2, 3, 4] }],
    });
    assert.deepEqual(detections.predictions?.items, [
      { label: 'forklift', score: 0.8, box: { x: 1, y: 2, w: 3, h: 4 } },
    ]);
    assert.equal(detections.predictions?.modelVersion, '7');
    const objects = await inspectWithSidecar('c', { objects: [{ name: 'pallet', probability: 0 }] });
    assert.deepEqual(objects.predictions?.items, [{ label: 'pallet', score: 0 }]);
  });

  it('accepts a bare array', async () => {
    const result = await inspectWithSidecar('d', [{ label: 'cat', score: 1 }]);
    assert.deepEqual(result.predictions, { source: 'day1/d.pred.json', items: [{ label: 'cat', score: 1 }] });
  });

  it('drops items with bad scores, labels or boxes, with one warning naming them', async () => {
    const result = await inspectWithSidecar('e', {
      predictions: [
        { label: 'ok', score: 0.3 },
        { label: 'too-sure', score: 1.5 },
        { label: 'text-score', score: '0.9' },
        { score: 0.4 },
        { label: 'bad-box', score: 0.2, bbox: [1, 2, 3] },
      ],
    });
    assert.deepEqual(result.predictions?.items, [{ label: 'ok', score: 0.3 }]);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0]!, /^sidecar day1\/e\.pred\.json: dropped 4 of 5 predictions/);
    assert.match(result.warnings[0]!, /item 1: score 1\.5 is not a number in \[0, 1\]/);
    assert.match(result.warnings[0]!, /item 2: score "0\.9"/);
    assert.match(result.warnings[0]!, /item 3: no label/);
  });

  it('warns about invalid JSON and a document of the wrong shape, without failing', async () => {
    const invalid = await inspectWithSidecar('f', '{"predictions": [');
    assert.equal(invalid.predictions, undefined);
    assert.match(invalid.warnings[0]!, /^sidecar day1\/f\.pred\.json is not valid JSON/);
    const wrongShape = await inspectWithSidecar('g', { result: 'ok' });
    assert.equal(wrongShape.predictions, undefined);
    assert.match(wrongShape.warnings[0]!, /expected an array, or an object with a predictions/);
  });

  it('warns when the sidecar exists but cannot be read', async () => {
    await fs.mkdir(path.join(dir, 'day1', 'h.pred.json'), { recursive: true });
    const result = await inspectWithSidecar('h');
    assert.equal(result.predictions, undefined);
    assert.match(
      result.warnings[0]!,
      /^sidecar day1\/h\.pred\.json is not a regular file \(it is a folder\)/,
    );
  });

  it('does not look for a sidecar of a sidecar', async () => {
    await fs.writeFile(path.join(dir, 'i.pred.json'), JSON.stringify([{ label: 'x', score: 0.5 }]));
    await fs.writeFile(path.join(dir, 'i.pred.pred.json'), JSON.stringify([{ label: 'y', score: 0.5 }]));
    const relPath = 'i.pred.json';
    const result = await inspector.inspect({ folderId: 'cam', absPath: path.join(dir, relPath), relPath });
    assert.equal(result.predictions, undefined);
    assert.equal(result.contentType, 'application/json');
  });
});
