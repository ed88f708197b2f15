import assert from 'node:assert/strict';
import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { ResolvedFolder } from '../main/engine/config/types.ts';
import { type ScanBatch, type SeenFile, scanFolder, type WatchProblem } from '../main/engine/watch/index.ts';
import { folderAt, makeTempDir } from './support/fs-helpers.ts';

let tmp: { dir: string; cleanup: () => Promise<void> };
let root: string;
const HOUR = 3_600_000;

/** Writes a file whose mtime is `ageMs` in the past. */
async function put(rel: string, ageMs: number, content = 'data'): Promise<void> {
  const abs = path.join(root, rel);
  await mkdir(path.dirname(abs), { recursive: true });
  await writeFile(abs, content);
  const when = new Date(Date.now() - ageMs);
  await utimes(abs, when, when);
}

async function scanAll(
  folder: ResolvedFolder,
  opts: { batchSize?: number } = {},
): Promise<{ complete: SeenFile[]; pending: string[]; batches: ScanBatch[]; problems: WatchProblem[] }> {
  const problems: WatchProblem[] = [];
  const batches: ScanBatch[] = [];
  for await (const batch of scanFolder(folder, {
    now: Date.now(),
    onProblem: (p) => problems.push(p),
    ...opts,
  })) {
    batches.push(batch);
  }
  return {
    complete: batches.flatMap((b) => b.complete).sort((a, b) => a.relPath.localeCompare(b.relPath)),
    pending: batches.flatMap((b) => b.pending).sort(),
    batches,
    problems,
  };
}

beforeAll(async () => {
  tmp = await makeTempDir('watch-scan-');
  root = path.join(tmp.dir, 'cam');
  await put('old.jpg', HOUR, 'old-bytes');
  await put('a/b/deep.png', HOUR);
  await put('fresh.jpg', 0);
  await put('a/fresh-deep.jpg', 0);
  for (const skipped of [
    'x.jpg.part',
    'y.tmp',
    '~$z.docx',
    '.dot.jpg',
    '.hidden/h.jpg',
    'side.xmp',
    'thumbs/t.jpg',
  ]) {
    await put(skipped, HOUR);
  }
  await symlink(path.join(root, 'old.jpg'), path.join(root, 'link-to-old.jpg'));
  await mkdir(path.join(tmp.dir, 'elsewhere'));
  await put('../elsewhere/outside.jpg', HOUR);
  await symlink(path.join(tmp.dir, 'elsewhere'), path.join(root, 'linked-dir'));
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('scanFolder', () => {
  const folder = (overrides: Partial<ResolvedFolder> = {}) =>
    folderAt(root, { stableWindowMs: 60_000, ignore: ['*.xmp', 'thumbs/**'], ...overrides });

  test('finds settled files as complete and fresh ones as pending, skipping temp and ignored names', async () => {
    const { complete, pending, problems } = await scanAll(folder());
    assert.deepEqual(
      complete.map((f) => f.relPath),
      ['a/b/deep.png', 'link-to-old.jpg', 'old.jpg'],
    );
    assert.deepEqual(pending, [path.join(root, 'a', 'fresh-deep.jpg'), path.join(root, 'fresh.jpg')]);
    const old = complete.find((f) => f.relPath === 'old.jpg');
    assert.deepEqual(old && { ...old, mtimeMs: 0 }, {
      folderId: 'cam',
      absPath: path.join(root, 'old.jpg'),
      relPath: 'old.jpg',
      size: 'old-bytes'.length,
      mtimeMs: 0,
      via: 'scan',
    });
    assert.deepEqual(problems, []);
  });

  test('rename mode treats every non-temp file as complete', async () => {
    const { complete, pending } = await scanAll(folder({ completion: 'rename' }));
    assert.equal(pending.length, 0);
    assert.ok(complete.some((f) => f.relPath === 'fresh.jpg'));
    assert.ok(complete.some((f) => f.relPath === 'a/fresh-deep.jpg'));
  });

  test('non-recursive scans only the top level', async () => {
    const { complete, pending } = await scanAll(folder({ recursive: false }));
    assert.deepEqual(
      complete.map((f) => f.relPath),
      ['link-to-old.jpg', 'old.jpg'],
    );
    assert.deepEqual(pending, [path.join(root, 'fresh.jpg')]);
  });

  test('yields batches of the requested size', async () => {
    const { batches } = await scanAll(folder(), { batchSize: 2 });
    const sizes = batches.map((b) => b.complete.length + b.pending.length);
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      5,
    );
    assert.ok(batches.length >= 2, `expected several batches, got ${JSON.stringify(sizes)}`);
  });

  test('a missing folder or a file given as folder is reported, not thrown', async () => {
    const missing = await scanAll(folderAt(path.join(tmp.dir, 'nope')));
    assert.equal(missing.complete.length + missing.pending.length, 0);
    assert.equal(missing.problems[0]?.code, 'ENOENT');
    assert.equal(missing.problems[0]?.fatal, true);
    const asFile = await scanAll(folderAt(path.join(root, 'old.jpg')));
    assert.equal(asFile.problems[0]?.code, 'ENOTDIR');
  });
});
