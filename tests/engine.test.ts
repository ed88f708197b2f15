import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import type { FileRecord } from '../main/engine/queue/types.ts';
import { dropFile, makeSite, type Site, waitFor } from './support/engine-fixtures.ts';

const CONFIG = ({ captures, dataDir }: { captures: string; dataDir: string }) => `
site: test-site
device: gw-1
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    stableWindow: 300ms
reconcileInterval: 0
duplicates:
  policy: skip
rules:
  - name: personal-data
    when: { tags: { any: ["pii:*"] } }
    action: quarantine
    reason: Contains personal data
  - name: uncertain
    when: { prediction: { score: { near: 0.5, within: 0.1 } } }
    action: upload
    priority: 10
  - name: capped-images
    when: { extension: jpg }
    action: upload
    rate: { perHour: 3 }
  - name: text
    when: { extension: txt }
    action: upload
    key: "{site}/{path}.{sha8}"

defaultAction: { action: skip, reason: nothing matched }
`;

/** Upload decisions end uploaded to the embedded local store (no destination configured) and kept locally. */
const UPLOADED = ['queued', 'uploading', 'uploaded', 'retained'];

async function startEngine(site: Site): Promise<CaptureEngine> {
  const engine = new CaptureEngine(await loadConfig(site.configPath));
  await engine.start();
  return engine;
}

function record(engine: CaptureEngine, path: string): FileRecord | undefined {
  return engine.queue.getByPath(path);
}

async function settledState(engine: CaptureEngine, path: string, states: string[]): Promise<FileRecord> {
  return waitFor(
    () => {
      const found = record(engine, path);
      return found && states.includes(found.state) ? found : undefined;
    },
    `${path} to reach ${states.join('/')}`,
  );
}

describe('capture engine end to end (real folders, chokidar, SQLite)', () => {
  const sites: Site[] = [];
  afterAll(async () => {
    for (const site of sites) await site.cleanup();
  });

  test('decides files renamed into place, records rule and reason, detects PII and duplicates', async () => {
    const site = await makeSite(CONFIG);
    sites.push(site);
    const engine = await startEngine(site);
    try {
      const text = join(site.captures, 'notes', 'a.txt');
      await dropFile(text, 'plain readings 21.5 22.0\n');
      const pii = join(site.captures, 'notes', 'b.txt');
      await dropFile(pii, 'contact: jane.doe@example.com\n');
      const copy = join(site.captures, 'notes', 'copy-of-a.txt');

      const textRecord = await settledState(engine, text, UPLOADED);
      assert.equal(textRecord.rule, 'text');
      assert.equal(textRecord.objectKey?.startsWith('test-site/'), true, `key ${textRecord.objectKey}`);
      const piiRecord = await settledState(engine, pii, ['quarantined']);
      assert.equal(piiRecord.reason, 'Contains personal data');
      assert.equal(piiRecord.inspection?.tags['pii:email'], 1);

      await dropFile(copy, 'plain readings 21.5 22.0\n');
      const dup = await settledState(engine, copy, ['skipped']);
      assert.equal(dup.duplicateOf, textRecord.id);
      assert.match(dup.reason ?? '', /Same content as notes\/a\.txt/);
    } finally {
      await engine.stop();
    }
  });

  test('a sidecar with an uncertain prediction gives the capture its priority', async () => {
    const site = await makeSite(CONFIG);
    sites.push(site);
    const engine = await startEngine(site);
    try {
      const sidecar = join(site.captures, 'frame_0001.pred.json');
      await dropFile(
        sidecar,
        JSON.stringify({ model_version: 'm1', predictions: [{ label: 'person', score: 0.55 }] }),
      );
      const image = join(site.captures, 'frame_0001.jpg');
      await dropFile(
        image,
        Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9]),
      );
      const decided = await settledState(engine, image, UPLOADED);
      assert.equal(decided.rule, 'uncertain');
      assert.equal(decided.priority, 10);
      assert.equal(
        record(engine, sidecar),
        undefined,
        'the sidecar travels with its capture, not on its own',
      );
    } finally {
      await engine.stop();
    }
  });

  test('catch-up after restart, changed files re-inspected, vanished files marked, rate caps persist', async () => {
    const site = await makeSite(CONFIG);
    sites.push(site);
    let engine = await startEngine(site);
    const images = [1, 2].map((i) => join(site.captures, `img${i}.jpg`));
    for (const image of images) await dropFile(image, `not really a jpeg ${image}`);
    for (const image of images) await settledState(engine, image, UPLOADED);
    await engine.stop();

    // While the engine is down: two more images arrive, a text file changes, another vanishes.
    const later = [3, 4].map((i) => join(site.captures, `img${i}.jpg`));
    for (const image of later) await dropFile(image, `later ${image}`);
    const keep = join(site.captures, 'keep.txt');
    await dropFile(keep, 'first');

    engine = await startEngine(site);
    try {
      await engine.settled();
      // Rate cap is 3 per hour: whichever of the two new images is decided first uses the last slot,
      // the other falls through to the default (the order they arrive in is up to the file system).
      const decided = await Promise.all(
        later.map((image) => settledState(engine, image, [...UPLOADED, 'skipped'])),
      );
      const capped = decided.filter((record) => record.rule === 'capped-images');
      const fellThrough = decided.filter((record) => record.state === 'skipped');
      assert.equal(capped.length, 1, JSON.stringify(decided.map((r) => [r.relPath, r.state, r.rule])));
      assert.equal(fellThrough.length, 1);
      assert.match(JSON.stringify(fellThrough[0]?.decision?.trace), /cap/i);

      const first = await settledState(engine, keep, ['retained']);
      await writeFile(keep, 'second version, longer');
      await waitFor(() => {
        const now = record(engine, keep);
        return now && now.state === 'retained' && now.sha256 !== first.sha256 ? now : undefined;
      }, 'the changed file to be inspected again');

      // A file that was already uploaded may disappear locally: its record keeps saying so.
      await rm(images[0]!);
      const gone = await settledState(engine, images[0]!, ['retained']);
      assert.equal(gone.rule, 'capped-images');
    } finally {
      await engine.stop();
    }
  });

  test('a second engine on the same data folder is refused', async () => {
    const site = await makeSite(CONFIG);
    sites.push(site);
    const engine = await startEngine(site);
    try {
      const config = await loadConfig(site.configPath);
      assert.throws(() => new CaptureEngine(config), /already using/);
    } finally {
      await engine.stop();
    }
  });
});
