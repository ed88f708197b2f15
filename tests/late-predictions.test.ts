/**
 * Late prediction sidecars (issue: engine hardening, item 5). A sidecar that arrives after its
 * capture was inspected, renamed into place or written directly, is attached to the capture in
 * every state, with a history event; the capture is decided again only where nothing was sent.
 * Real engine, real folders, chokidar, SQLite and the embedded local store.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import type { FileRecord } from '../main/engine/queue/types.ts';
import { dropFile, makeSite, type Site, waitFor } from './support/engine-fixtures.ts';

const CONFIG =
  (sidecarPattern: string) =>
  ({ captures, dataDir }: { captures: string; dataDir: string }) =>
    `
site: late-sidecars
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    stableWindow: 300ms
reconcileInterval: 0
inspect:
  sidecarPattern: "${sidecarPattern}"
rules:
  - name: review
    when: { extension: hold }
    action: hold
  - name: uncertain
    when: { prediction: { score: { near: 0.5, within: 0.1 } } }
    action: upload
    priority: 10
  - name: images
    when: { extension: jpg }
    action: upload
defaultAction: { action: skip, reason: nothing matched }
`;

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9]);
const predictions = (label: string, score: number) =>
  JSON.stringify({ model_version: 'm2', predictions: [{ label, score }] });

const sites: Site[] = [];
afterAll(async () => {
  for (const site of sites) await site.cleanup();
});

async function startEngine(site: Site): Promise<CaptureEngine> {
  const engine = new CaptureEngine(await loadConfig(site.configPath));
  await engine.start();
  return engine;
}

function until(engine: CaptureEngine, path: string, check: (record: FileRecord) => boolean, what: string) {
  return waitFor(() => {
    const record = engine.queue.getByPath(path);
    return record && check(record) ? record : undefined;
  }, what);
}

const lateEvents = (engine: CaptureEngine, record: FileRecord) =>
  engine.queue.history(record.id).filter((change) => change.kind === 'predictions');

describe('late prediction sidecars', () => {
  test('attached in every state; decided again only where nothing was sent', async () => {
    const site = await makeSite(CONFIG('{stem}.pred.json'));
    sites.push(site);
    let engine = await startEngine(site);
    try {
      // Uploaded and kept locally (retained): a sidecar renamed into place later.
      const uploaded = join(site.captures, 'frame_0001.jpg');
      await dropFile(uploaded, JPEG);
      await until(engine, uploaded, (r) => r.state === 'retained', 'the image to be uploaded');
      await dropFile(join(site.captures, 'frame_0001.pred.json'), predictions('person', 0.9));
      const attached = await until(
        engine,
        uploaded,
        (r) => r.inspection?.predictions?.items[0]?.label === 'person',
        'the late predictions on the uploaded capture',
      );
      assert.equal(attached.state, 'retained', 'an uploaded capture keeps its decision');
      assert.equal(attached.rule, 'images');
      assert.equal(attached.inspection?.predictions?.modelVersion, 'm2');
      assert.match(
        lateEvents(engine, attached)[0]?.detail ?? '',
        /1 prediction.*attached while retained; the decision stands/,
      );

      // Skipped by the default rule: a sidecar written directly (no rename) makes it uncertain.
      const skipped = join(site.captures, 'notes.bin');
      await dropFile(skipped, 'no rule for this\n');
      await until(engine, skipped, (r) => r.state === 'skipped', 'the file to be skipped');
      await writeFile(join(site.captures, 'notes.pred.json'), predictions('vehicle', 0.52));
      const redecided = await until(
        engine,
        skipped,
        (r) => r.rule === 'uncertain' && ['queued', 'uploading', 'uploaded', 'retained'].includes(r.state),
        'the skipped file to be decided again on its late predictions',
      );
      assert.equal(redecided.priority, 10);
      assert.match(lateEvents(engine, redecided)[0]?.detail ?? '', /attached while skipped; deciding again/);

      // Held for review by a rule: attached, decided again (the same rule still holds it).
      const held = join(site.captures, 'odd.hold');
      await dropFile(held, 'look at me\n');
      await until(engine, held, (r) => r.state === 'held', 'the file to be held');
      await dropFile(join(site.captures, 'odd.pred.json'), predictions('cat', 0.5));
      const stillHeld = await until(
        engine,
        held,
        (r) => r.inspection?.predictions?.items[0]?.label === 'cat',
        'the held file to get its predictions',
      );
      assert.equal(stillHeld.state, 'held');

      // The sidecar is rewritten with other predictions: attached again, one more history event.
      await dropFile(join(site.captures, 'frame_0001.pred.json'), predictions('person', 0.2));
      const updated = await until(
        engine,
        uploaded,
        (r) => r.inspection?.predictions?.items[0]?.score === 0.2,
        'the rewritten sidecar to be attached',
      );
      assert.equal(lateEvents(engine, updated).length, 2);
      assert.equal(updated.state, 'retained');
      await engine.settled();
    } finally {
      await engine.stop();
    }

    // A restart's catch-up scan offers every sidecar again: nothing changed, so no new events.
    engine = await startEngine(site);
    try {
      await engine.settled();
      const record = engine.queue.getByPath(join(site.captures, 'frame_0001.jpg'))!;
      assert.equal(lateEvents(engine, record).length, 2);
    } finally {
      await engine.stop();
    }
  });

  test('a sidecar pattern with a subfolder finds its capture', async () => {
    const site = await makeSite(CONFIG('preds/{stem}.json'));
    sites.push(site);
    const engine = await startEngine(site);
    try {
      const image = join(site.captures, 'day1', 'cam_7.jpg');
      await dropFile(image, JPEG);
      await until(engine, image, (r) => r.state === 'retained', 'the image to be uploaded');
      await mkdir(join(site.captures, 'day1', 'preds'), { recursive: true });
      await dropFile(join(site.captures, 'day1', 'preds', 'cam_7.json'), predictions('dog', 0.8));
      const record = await until(
        engine,
        image,
        (r) => r.inspection?.predictions?.items[0]?.label === 'dog',
        'the late predictions from preds/cam_7.json',
      );
      assert.equal(record.inspection?.predictions?.source, 'day1/preds/cam_7.json');
    } finally {
      await engine.stop();
    }
  });
});
