/**
 * Files must appear under their final name only by rename, complete, sidecar first: that is what
 * lets the watcher treat a renamed-into-place file as finished at once.
 */
import assert from 'node:assert/strict';
import { watch } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { simulate } from '../main/simulate/index.ts';

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'edge-sim-rename-'));
  made.push(dir);
  return dir;
}

function isTempName(name: string): boolean {
  return name.endsWith('.part') || name.startsWith('.');
}

describe('simulate writes by rename', () => {
  for (const tempStyle of ['suffix', 'dotfile'] as const) {
    test(`tempStyle ${tempStyle}: final names are never written to, and sidecars land before images`, async () => {
      const dir = await tempDir();
      // Linux inotify via fs.watch: writes show as 'change', creations and renames as 'rename'.
      const events: { type: string; name: string }[] = [];
      const watcher = watch(dir, (type, name) => {
        if (name) events.push({ type, name: name.toString() });
      });
      try {
        const stats = await simulate({
          to: dir,
          ratePerSec: 2000,
          count: 300,
          seed: 21,
          subdirs: false,
          tempStyle,
          mix: { image: 3, csv: 1, log: 1 },
        });
        const finals = (await readdir(dir)).filter((name) => !isTempName(name));
        assert.equal(finals.length, stats.files);
        await waitFor(
          () => finals.every((name) => events.some((e) => e.name === name)),
          'events for every file',
        );
      } finally {
        watcher.close();
      }
      const written = events.filter((e) => e.type === 'change');
      assert.ok(written.length > 0, 'the watcher saw the data being written');
      for (const event of written)
        assert.ok(isTempName(event.name), `written under its final name: ${event.name}`);
      const tempNames = new Set(written.map((e) => e.name));
      for (const name of tempNames) {
        assert.ok(
          tempStyle === 'suffix' ? name.endsWith('.part') : name.startsWith('.'),
          `temp name ${name}`,
        );
      }
      const firstSeen = new Map<string, number>();
      events.forEach((e, i) => {
        if (!firstSeen.has(e.name)) firstSeen.set(e.name, i);
      });
      let images = 0;
      for (const [name, at] of firstSeen) {
        if (!name.endsWith('.jpg') || isTempName(name)) continue;
        images++;
        const sidecarAt = firstSeen.get(name.replace(/\.jpg$/, '.pred.json'));
        assert.ok(sidecarAt !== undefined && sidecarAt < at, `sidecar of ${name} appeared first`);
      }
      assert.ok(images > 50, `images: ${images}`);
    });
  }

  test('a polling reader never sees a final name before it is complete', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const size = 512 * 1024;
    const firstSizes = new Map<string, number>();
    let done = false;
    const poll = (async () => {
      while (!done) {
        for (const name of await readdir(dir)) {
          if (isTempName(name) || firstSizes.has(name)) continue;
          firstSizes.set(name, (await stat(join(dir, name))).size);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const stats = await simulate({
      to: dir,
      ratePerSec: 400,
      count: 200,
      fixedSize: size,
      seed: 4,
      subdirs: false,
    });
    done = true;
    await poll;
    assert.equal(stats.files, 200);
    assert.ok(
      firstSizes.size > 20,
      `the reader saw files while they were being written (${firstSizes.size})`,
    );
    for (const [name, seenSize] of firstSizes)
      assert.equal(seenSize, size, `${name} first seen at ${seenSize} bytes`);
  });
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
