/** The simulated sensor end to end on real temp folders: names, counts, pacing stops, run ids. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { CLAIM_DIR, type SimulatedCapture, simulate } from '../main/simulate/index.ts';

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'edge-sim-'));
  made.push(dir);
  return dir;
}

/** Every file under root (relative, forward slashes), skipping the run-id claims. */
async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((path) => !path.startsWith(`${CLAIM_DIR}/`))
    .sort();
}

async function run(opts: Parameters<typeof simulate>[0]) {
  const captures: SimulatedCapture[] = [];
  const stats = await simulate({ ...opts, onCapture: (c) => captures.push(c) });
  captures.sort((a, b) => a.seq - b.seq);
  return { stats, captures };
}

describe('simulate', () => {
  test('same seed gives the same names, kinds and sizes; another seed does not', async () => {
    const [a, b, c] = await Promise.all([tempDir(), tempDir(), tempDir()]);
    const summary = (list: SimulatedCapture[]) =>
      list.map((x) =>
        [x.seq, x.relativePath, x.kind, x.pii.join('+'), x.bytes, x.sidecarBytes ?? -1].join(' '),
      );
    const first = await run({ to: a, ratePerSec: Number.POSITIVE_INFINITY, count: 300, seed: 42 });
    const second = await run({ to: b, ratePerSec: Number.POSITIVE_INFINITY, count: 300, seed: 42 });
    const other = await run({ to: c, ratePerSec: Number.POSITIVE_INFINITY, count: 300, seed: 43 });
    assert.deepEqual(summary(second.captures), summary(first.captures));
    assert.deepEqual(await listFiles(b), await listFiles(a));
    assert.equal(first.stats.runId, second.stats.runId);
    assert.notEqual(other.stats.runId, first.stats.runId);
    assert.notDeepEqual(
      other.captures.map((x) => x.kind),
      first.captures.map((x) => x.kind),
    );
    // The default mix is realistic: mostly images, some of every text kind.
    const kinds = first.stats.byKind;
    assert.ok((kinds['image'] ?? 0) > 120, `images: ${kinds['image']}`);
    for (const kind of ['csv', 'log', 'json']) assert.ok((kinds[kind] ?? 0) > 10, `${kind}: ${kinds[kind]}`);
  });

  test('count stops exactly, and stats match what is on disk', async () => {
    const dir = await tempDir();
    const { stats, captures } = await run({ to: dir, ratePerSec: 5000, count: 57, seed: 7 });
    assert.equal(stats.captures, 57);
    assert.equal(captures.length, 57);
    assert.deepEqual(
      captures.map((c) => c.seq),
      [...Array(57).keys()],
    );
    const files = await listFiles(dir);
    assert.equal(files.length, stats.files);
    let bytes = 0;
    for (const file of files) bytes += (await stat(join(dir, file))).size;
    assert.equal(bytes, stats.bytes);
    assert.equal(
      Object.values(stats.byKind).reduce((sum, n) => sum + n, 0),
      57,
    );
    assert.ok(!files.some((f) => f.endsWith('.part') || f.split('/').pop()!.startsWith('.')));
  });

  test('subdirs spread captures over device/date folders; subdirs:false writes flat', async () => {
    const nested = await tempDir();
    const flat = await tempDir();
    await simulate({ to: nested, ratePerSec: Number.POSITIVE_INFINITY, count: 200, seed: 3 });
    await simulate({ to: flat, ratePerSec: Number.POSITIVE_INFINITY, count: 50, seed: 3, subdirs: false });
    const shape =
      /^(cam[1-4]|plc[1-2]|gateway|telemetry)\/\d{4}-\d{2}-\d{2}\/[a-z]+_[0-9a-z]+_\d{6}\.(jpg|pred\.json|csv|log|json)$/;
    for (const file of await listFiles(nested)) assert.match(file, shape);
    assert.ok((await listFiles(flat)).every((file) => !file.includes('/')));
  });

  test('a second run with the same seed in the same folder never reuses a name', async () => {
    const dir = await tempDir();
    const first = await run({ to: dir, ratePerSec: Number.POSITIVE_INFINITY, count: 40, seed: 9 });
    const second = await run({ to: dir, ratePerSec: Number.POSITIVE_INFINITY, count: 40, seed: 9 });
    assert.notEqual(second.stats.runId, first.stats.runId);
    const names = new Set(first.captures.map((c) => c.relativePath));
    assert.ok(second.captures.every((c) => !names.has(c.relativePath)));
    assert.equal((await listFiles(dir)).length, first.stats.files + second.stats.files);
    // Unseeded runs draw a fresh random id each time.
    const a = await simulate({ to: dir, ratePerSec: Number.POSITIVE_INFINITY, count: 1 });
    const b = await simulate({ to: dir, ratePerSec: Number.POSITIVE_INFINITY, count: 1 });
    assert.notEqual(a.runId, b.runId);
  });

  test('fixedSize writes blob files of exactly that many bytes, no sidecars, distinct contents', async () => {
    const dir = await tempDir();
    const { stats, captures } = await run({
      to: dir,
      ratePerSec: 10_000,
      count: 100,
      fixedSize: 4096,
      seed: 1,
    });
    assert.equal(stats.files, 100);
    assert.equal(stats.bytes, 100 * 4096);
    assert.equal(stats.byKind['blob'], 100);
    const hashes = new Set<string>();
    for (const capture of captures) {
      assert.equal(capture.kind, 'blob');
      assert.equal(capture.sidecar, undefined);
      const data = await readFile(capture.path);
      assert.equal(data.length, 4096);
      hashes.add(createHash('sha256').update(data).digest('hex'));
    }
    assert.equal(hashes.size, 100);
    const tiny = await tempDir();
    await simulate({
      to: tiny,
      ratePerSec: Number.POSITIVE_INFINITY,
      count: 5,
      fixedSize: 7,
      subdirs: false,
    });
    for (const file of await listFiles(tiny)) assert.equal((await stat(join(tiny, file))).size, 7);
  });

  test('abort stops a slow run at once instead of waiting for the next capture', {
    timeout: 20_000,
  }, async () => {
    const dir = await tempDir();
    const controller = new AbortController();
    // The second capture is due in 1000 s: only a prompt abort lets this finish within the timeout.
    const running = simulate({ to: dir, ratePerSec: 0.001, signal: controller.signal, seed: 5 });
    setTimeout(() => controller.abort(), 100);
    const stats = await running;
    assert.equal(stats.captures, 1);
    const none = await simulate({ to: dir, ratePerSec: 100, signal: AbortSignal.abort() });
    assert.equal(none.captures, 0);
  });

  test('abort during a fast run finishes started captures and leaves no temp files', async () => {
    const dir = await tempDir();
    const controller = new AbortController();
    let seen = 0;
    const stats = await simulate({
      to: dir,
      ratePerSec: 2000,
      seed: 11,
      signal: controller.signal,
      onCapture: () => {
        seen++;
        if (seen === 50) controller.abort();
      },
    });
    assert.ok(stats.captures >= 50 && stats.captures <= 50 + 32, `captures: ${stats.captures}`);
    const files = await listFiles(dir);
    assert.equal(files.length, stats.files);
    assert.ok(!files.some((f) => f.endsWith('.part')));
  });

  test('durationMs never issues a capture due after the duration', async () => {
    const dir = await tempDir();
    const stats = await simulate({ to: dir, ratePerSec: 100, durationMs: 200, seed: 2 });
    assert.ok(stats.captures >= 1 && stats.captures <= 20, `captures: ${stats.captures}`);
  });

  test('bad options are refused with the field named', async () => {
    const dir = await tempDir();
    const cases: [Partial<Parameters<typeof simulate>[0]>, RegExp][] = [
      [{ to: '' }, /\bto\b.*missing/],
      [{ ratePerSec: 0 }, /ratePerSec/],
      [{ ratePerSec: Number.NaN }, /ratePerSec/],
      [{ count: 1.5 }, /count/],
      [{ durationMs: -1 }, /durationMs/],
      [{ fixedSize: -4 }, /fixedSize/],
      [{ mix: { image: -1 } }, /mix\.image/],
      [{ mix: { photo: 1 } as never }, /mix\.photo.*image, csv/],
      [{ mix: { image: 0 } }, /mix.*at least one/],
      [{ tempStyle: 'inplace' as never }, /tempStyle/],
      [{ piiShare: 2 }, /piiShare/],
      [{ runId: 'has space' }, /runId/],
    ];
    for (const [bad, message] of cases) {
      await assert.rejects(
        simulate({ to: dir, ratePerSec: 10, count: 1, ...bad }),
        message,
        JSON.stringify(bad),
      );
    }
  });
});
