/**
 * Pictures of a capture folder added while the engine runs: the media library that browser mode and
 * the desktop host use reads the running engine's folders at each request (a real engine, real files,
 * a folder added through CaptureEngine.reconfigure as Settings does).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import { engineMediaLibrary } from '../main/engine/thumbnails/index.ts';
import { dropFile, makeSite, type Site, waitFor } from './support/engine-fixtures.ts';
import { simulatedFrames } from './support/media-fixture.ts';

describe('media of a folder added live', () => {
  let site: Site;
  let engine: CaptureEngine;

  beforeAll(async () => {
    site = await makeSite(
      ({ captures, dataDir }) => `site: media-live
device: gw-1
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    stableWindow: 100ms
reconcileInterval: 0
destination: { type: filesystem, path: ${join(dataDir, '..', 'share')} }
upload: { offlineProbeInterval: 500ms }
rules:
  - name: frames
    when: { extension: jpg }
    action: hold
defaultAction: { action: skip, reason: nothing matched }
`,
    );
    await mkdir(join(site.root, 'share'));
    engine = new CaptureEngine(await loadConfig(site.configPath), { inspectWorkers: 0 });
    await engine.start();
  });
  afterAll(async () => {
    await engine?.stop();
    await site?.cleanup();
  });

  test('a picture in the new folder is served, and one outside every folder still is not', async () => {
    const library = engineMediaLibrary(engine);
    const cam2 = join(site.root, 'cam2');
    await mkdir(cam2);
    const config = engine.config;
    await engine.reconfigure({
      ...config,
      folders: [...config.folders, { ...config.folders[0]!, id: 'cam2', path: cam2 }],
    });
    const [frame] = await simulatedFrames(1, 7);
    await dropFile(join(cam2, 'frame.jpg'), frame!);
    const file = await waitFor(() => {
      const record = engine.queue.getByPath(join(cam2, 'frame.jpg'));
      return record?.state === 'held' ? record : undefined;
    }, 'frame.jpg in the new folder held for review');
    const image = await library.image(file.id);
    assert.ok(image.ok, JSON.stringify(image));
    assert.deepEqual(Buffer.from(image.value.bytes), Buffer.from(frame!));
    const thumb = await library.thumbnail(file.id);
    assert.ok(thumb.ok, JSON.stringify(thumb));

    // Removing the folder again: its files are no longer read for display.
    await engine.reconfigure({ ...engine.config, folders: [engine.config.folders[0]!] });
    const after = await library.image(file.id);
    assert.equal(after.ok, false);
  });
});
