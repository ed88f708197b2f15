/**
 * Retention per folder and per rule, resolved rule > folder > site, setting by setting: "delete
 * uploaded CSVs, keep camera frames a week", on real folders with the whole engine.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { resolveConfig } from '../main/engine/config/resolve.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { RetentionManager } from '../main/engine/retention/retention.ts';
import { dropFile, makeSite, type Site, waitFor } from './support/engine-fixtures.ts';
import { allRecords } from './support/upload-e2e-fixtures.ts';

const DAY = 86_400_000;
const sites: Site[] = [];
afterAll(async () => {
  for (const site of sites) await site.cleanup();
});

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9]);

describe('retention per folder and per rule', () => {
  test('delete uploaded CSVs, keep camera frames a week, archive the rest (rule > folder > site)', async () => {
    const site = await makeSite(
      ({ captures, dataDir }) => `
site: plant
device: gw
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}/cam
    stableWindow: 300ms
    retention: { afterUpload: keep, keepFor: 7d }
  - id: exports
    path: ${captures}/exports
    stableWindow: 300ms
reconcileInterval: 0
rules:
  - name: tables
    when: { extension: csv }
    action: upload
    retention: { afterUpload: delete }
  - name: frames
    when: { extension: jpg }
    action: upload
destination: { type: filesystem, path: ${dataDir}/../store }
retention: { afterUpload: archive, archiveDir: ${dataDir}/archive }
`,
    );
    sites.push(site);
    for (const folder of ['captures/cam', 'captures/exports', 'store']) {
      await mkdir(join(site.root, folder), { recursive: true });
    }
    const config = await loadConfig(site.configPath);
    const engine = new CaptureEngine(config);
    await engine.start();
    let records: ReturnType<typeof allRecords>;
    let seen: string[] = [];
    try {
      await dropFile(join(site.captures, 'cam/frame_1.jpg'), Buffer.concat([JPEG, Buffer.from('1')]));
      await dropFile(join(site.captures, 'cam/readings_1.csv'), 'at,temp\n1,20\n');
      await dropFile(join(site.captures, 'exports/readings_2.csv'), 'at,temp\n2,21\n');
      await dropFile(join(site.captures, 'exports/frame_2.jpg'), Buffer.concat([JPEG, Buffer.from('2')]));
      records = await waitFor(
        () => {
          const all = allRecords(engine.queue);
          seen = all.map((r) => `${r.relPath} ${r.state} ${r.lastError ?? ''} ${r.reason ?? ''}`);
          const done = all.length === 4 && all.every((r) => r.state === 'retained' || r.state === 'removed');
          return done ? all : undefined;
        },
        'all four files to be uploaded and retained or removed',
        30_000,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; files: ${seen.join(' | ')}`);
    } finally {
      await engine.stop();
    }
    const outcome = Object.fromEntries(
      records.map((r) => [`${r.folderId}/${r.relPath}`, r.archivedPath ? 'archived' : r.state]),
    );
    assert.deepEqual(outcome, {
      'cam/frame_1.jpg': 'retained', // the folder keeps frames
      'cam/readings_1.csv': 'removed', // the rule deletes CSVs, even in the camera folder
      'exports/readings_2.csv': 'removed',
      'exports/frame_2.jpg': 'archived', // the site default
    });
    assert.deepEqual(await readdir(join(site.captures, 'cam')), ['frame_1.jpg']);
    assert.deepEqual(await readdir(join(site.captures, 'exports')), []);

    // A week later the kept frame goes; the archived one has no keepFor (the site sets none).
    const sweepAt = async (at: number) => {
      const reopened = new CaptureQueue(join(config.dataDir, 'queue.db'));
      try {
        const retention = new RetentionManager(reopened, config.retention, {
          folders: config.folders,
          now: () => at,
        });
        return await retention.sweep();
      } finally {
        reopened.close();
      }
    };
    assert.equal((await sweepAt(Date.now() + 6 * DAY)).expired.length, 0, 'not before the week is over');
    const expired = await sweepAt(Date.now() + 8 * DAY);
    assert.deepEqual(
      expired.expired.map((r) => `${r.folderId}/${r.relPath}: ${r.outcome}`),
      ['cam/frame_1.jpg: deleted'],
    );
    assert.match(
      expired.expired[0]?.detail ?? '',
      /kept for 7\.0 d after upload \(keepFor of folder "cam"\)/,
    );
    assert.deepEqual(await readdir(join(site.captures, 'cam')), []);
  });

  test('folder and rule retention are checked like the site section', () => {
    const doc = {
      site: 'plant',
      folders: [{ id: 'cam', path: '/tmp/cam', retention: { afterUpload: 'shred', keepFor: 'a week' } }],
      rules: [{ name: 'csv', action: 'upload', retention: { archiveDir: '/x' } }],
    };
    assert.throws(
      () => resolveConfig(doc, '(inline)'),
      (error: Error) => {
        assert.match(error.message, /folders\/0\/retention\/afterUpload/);
        assert.match(error.message, /rules\/0\/retention/);
        return true;
      },
    );
  });
});
