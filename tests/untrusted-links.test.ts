import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { resolveConfig } from '../main/engine/config/resolve.ts';
import type { ResolvedInspect } from '../main/engine/config/types.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import { createInspector, InspectFailure, type InspectTarget } from '../main/engine/inspect/index.ts';
import type { SymlinkPolicy } from '../shared/config.ts';
import { dropFile, makeSite, waitFor } from './support/engine-fixtures.ts';

/**
 * Capture folders are written by cameras, scripts and people the engine does not control: a link
 * in one must not ship a file from elsewhere (the engine's own credentials, say).
 */

const INSPECT: ResolvedInspect = {
  sidecarPattern: '{stem}.pred.json',
  maxFileSize: 1024 ** 3,
  pii: { enabled: false, maxScanBytes: 1024, detectors: [], custom: [] },
  plugins: [],
};
const SECRET = 'aws_secret_access_key = never-leaves-this-host\n';

let base: string;
let root: string;
let outside: string;
beforeAll(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'untrusted-links-'));
  root = path.join(base, 'cam');
  outside = path.join(base, 'home', '.aws');
  await fs.mkdir(path.join(root, 'day1'), { recursive: true });
  await fs.mkdir(outside, { recursive: true });
  await fs.writeFile(path.join(outside, 'credentials'), SECRET);
  await fs.writeFile(path.join(root, 'day1', 'real.jpg'), 'inside bytes');
  await fs.symlink(path.join(outside, 'credentials'), path.join(root, 'leak.jpg'));
  await fs.symlink(path.join('day1', 'real.jpg'), path.join(root, 'alias.jpg'));
  // A folder that was real when it was walked and is a link leading out by the time it is read.
  await fs.symlink(outside, path.join(root, 'swapped'));
});
afterAll(async () => {
  await fs.rm(base, { recursive: true, force: true });
});

const target = (relPath: string): InspectTarget => ({
  folderId: 'cam',
  absPath: path.join(root, ...relPath.split('/')),
  relPath,
});

async function inspectorFor(symlinks?: SymlinkPolicy) {
  return createInspector(INSPECT, {
    folders: symlinks ? [{ id: 'cam', path: root, symlinks }] : [],
  });
}

async function refusal(promise: Promise<unknown>): Promise<InspectFailure> {
  const err = await promise.then(
    () => assert.fail('expected the file to be refused'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof InspectFailure, `expected InspectFailure, got ${String(err)}`);
  assert.equal(err.kind, 'link_refused', err.message);
  return err;
}

describe('symbolic links in a capture folder (inspection)', () => {
  test('by default a link leading out of the folder is refused, naming the link, its target and the setting', async () => {
    for (const inspector of [await inspectorFor(), await inspectorFor('inside')]) {
      const err = await refusal(inspector.inspect(target('leak.jpg')));
      assert.ok(err.message.includes(path.join(root, 'leak.jpg')), err.message);
      assert.ok(err.message.includes(path.join(outside, 'credentials')), err.message);
      assert.match(err.message, /outside capture folder "cam"/);
      assert.match(err.message, /symlinks: follow/);
    }
  });

  test('by default a link that stays inside the folder is followed', async () => {
    const inspection = await (await inspectorFor()).inspect(target('alias.jpg'));
    assert.equal(inspection.sha256, createHash('sha256').update('inside bytes').digest('hex'));
  });

  test('a folder on the path that became a link leading out is caught on the opened file', async () => {
    // O_NOFOLLOW alone would not see this: only the last part of the path is a regular name.
    const err = await refusal((await inspectorFor()).inspect(target('swapped/credentials')));
    assert.match(err.message, /a folder on its path is a symbolic link leading out/);
  });

  test('symlinks: skip refuses every link, even one that stays inside', async () => {
    const inspector = await inspectorFor('skip');
    const err = await refusal(inspector.inspect(target('alias.jpg')));
    assert.match(err.message, /symlinks: skip/);
    await refusal(inspector.inspect(target('leak.jpg')));
    const plain = await inspector.inspect(target('day1/real.jpg'));
    assert.equal(plain.size, 'inside bytes'.length);
  });

  test('symlinks: follow reads what a link leads to, wherever it is', async () => {
    const inspection = await (await inspectorFor('follow')).inspect(target('leak.jpg'));
    assert.equal(inspection.sha256, createHash('sha256').update(SECRET).digest('hex'));
  });

  test('a capture folder configured through a link is its real folder: its files and inside links are read', async () => {
    const viaLink = path.join(base, 'cam-link');
    await fs.symlink(root, viaLink);
    const inspector = await createInspector(INSPECT, {
      folders: [{ id: 'cam', path: viaLink, symlinks: 'inside' }],
    });
    const at = (relPath: string): InspectTarget => ({
      folderId: 'cam',
      absPath: path.join(viaLink, relPath),
      relPath,
    });
    assert.equal((await inspector.inspect(at('day1/real.jpg'))).size, 'inside bytes'.length);
    assert.equal((await inspector.inspect(at('alias.jpg'))).size, 'inside bytes'.length);
    await refusal(inspector.inspect(at('leak.jpg')));
  });

  test('a prediction sidecar that links out of the folder is not read', async () => {
    await fs.writeFile(path.join(outside, 'preds.json'), JSON.stringify([{ label: 'person', score: 0.9 }]));
    await fs.writeFile(path.join(root, 'day1', 'b.jpg'), 'b');
    await fs.symlink(path.join(outside, 'preds.json'), path.join(root, 'day1', 'b.pred.json'));
    const inspection = await (await inspectorFor()).inspect(target('day1/b.jpg'));
    assert.equal(inspection.predictions, undefined);
    assert.match(
      inspection.warnings.join('\n'),
      /sidecar day1\/b\.pred\.json not read: .*outside capture folder/,
    );
  });
});

describe('the symlinks folder setting', () => {
  const doc = (folder: Record<string, unknown>) => ({
    site: 's',
    folders: [{ path: '/data/cam', ...folder }],
    rules: [],
    defaultAction: { action: 'upload' },
  });

  test('defaults to inside and accepts skip and follow', () => {
    assert.equal(resolveConfig(doc({}), '(inline)').folders[0]?.symlinks, 'inside');
    assert.equal(resolveConfig(doc({ symlinks: 'skip' }), '(inline)').folders[0]?.symlinks, 'skip');
    assert.equal(resolveConfig(doc({ symlinks: 'follow' }), '(inline)').folders[0]?.symlinks, 'follow');
  });

  test('rejects anything else', () => {
    assert.throws(() => resolveConfig(doc({ symlinks: 'always' }), '(inline)'), /symlinks/);
  });
});

describe('symbolic links in a running engine', () => {
  const OPEN_SECRET = 'shared on purpose\n';

  test('a link leading out gets state link_refused and its bytes go nowhere; follow is per folder', async () => {
    const site = await makeSite(
      ({ captures, dataDir }) => `
site: link-site
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    stableWindow: 200ms
  - id: open
    path: ${captures}-open
    stableWindow: 200ms
    symlinks: follow
reconcileInterval: 0
rules: []
defaultAction: { action: upload }
`,
    );
    const elsewhere = path.join(site.root, 'elsewhere');
    await fs.mkdir(elsewhere);
    await fs.mkdir(`${site.captures}-open`);
    await fs.writeFile(path.join(elsewhere, 'credentials'), SECRET);
    await fs.writeFile(path.join(elsewhere, 'shared.txt'), OPEN_SECRET);
    await fs.writeFile(path.join(elsewhere, 'deep.jpg'), SECRET);
    // Present before the start (found by the catch-up scan) and made while running (seen by the watcher).
    await fs.symlink(path.join(elsewhere, 'credentials'), path.join(site.captures, 'before.jpg'));
    await fs.symlink(elsewhere, path.join(site.captures, 'linked-dir'));
    const engine = new CaptureEngine(await loadConfig(site.configPath));
    await engine.start();
    try {
      await engine.settled();
      await fs.symlink(path.join(elsewhere, 'credentials'), path.join(site.captures, 'during.jpg'));
      await dropFile(path.join(site.captures, 'own.jpg'), 'a real capture');
      await fs.symlink(path.join(elsewhere, 'shared.txt'), path.join(`${site.captures}-open`, 'shared.txt'));

      const state = (absPath: string) => engine.queue.getByPath(absPath)?.state;
      const done = ['uploaded', 'retained'];
      await waitFor(
        () => done.includes(state(path.join(site.captures, 'own.jpg')) ?? ''),
        'own.jpg uploaded',
      );
      await waitFor(
        () => done.includes(state(path.join(`${site.captures}-open`, 'shared.txt')) ?? ''),
        'the followed link uploaded',
      );
      for (const name of ['before.jpg', 'during.jpg']) {
        const refused = await waitFor(() => {
          const found = engine.queue.getByPath(path.join(site.captures, name));
          return found?.state === 'link_refused' ? found : undefined;
        }, `${name} refused`);
        assert.match(
          refused.reason ?? '',
          /is a symbolic link to .*credentials, outside capture folder "cam"/,
        );
        assert.equal(refused.sha256, undefined);
      }
      // A linked folder is never walked, so nothing in it reaches the queue.
      assert.equal(state(path.join(site.captures, 'linked-dir', 'deep.jpg')), undefined);
      assert.equal(engine.queue.counts().link_refused, 2);
    } finally {
      await engine.stop();
    }
    // The embedded store and the queue live in the data folder: the secret is in neither.
    const stored = await fs.readdir(site.dataDir, { recursive: true, withFileTypes: true });
    let sawShared = false;
    for (const entry of stored) {
      if (!entry.isFile()) continue;
      const bytes = await fs.readFile(path.join(entry.parentPath, entry.name));
      assert.ok(!bytes.includes(SECRET), `${entry.name} holds the secret`);
      sawShared ||= bytes.includes(OPEN_SECRET);
    }
    assert.ok(sawShared, 'the link in the folder with symlinks: follow was uploaded');
    await site.cleanup();
  });
});
