/** `list` pages on past the queue's 1,000-row page, and says so when it stops early. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';

const CLI = join(import.meta.dirname, '..', 'main', 'cli', 'index.ts');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 ** 2,
  });

const FILES = 2500;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'edge-list-'));
  const queue = new CaptureQueue(join(dataDir, 'queue.db'));
  queue.transaction(() => {
    for (let i = 0; i < FILES; i++) {
      queue.discover({
        folderId: 'cam',
        relPath: `f${i}.bin`,
        absPath: `/captures/cam/f${i}.bin`,
        size: i,
        mtimeMs: 1000,
      });
    }
  });
  queue.close();
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('list', () => {
  test('--limit above one page returns that many rows', () => {
    const result = cli('list', '--data-dir', dataDir, '--limit', '5000', '--json');
    assert.equal(result.status, 0, result.stderr);
    const page = JSON.parse(result.stdout);
    assert.equal(page.items.length, FILES);
    assert.equal(new Set(page.items.map((file: { id: number }) => file.id)).size, FILES);
    assert.equal(page.nextCursor, undefined);
  });

  test('a cut list says so and --after pages on without gaps or repeats', () => {
    const seen: number[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10 && seen.length < FILES; pages++) {
      const result = cli(
        'list',
        '--data-dir',
        dataDir,
        '--limit',
        '1200',
        ...(after ? ['--after', after] : []),
      );
      assert.equal(result.status, 0, result.stderr);
      const ids = result.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => Number(line.split(/\s+/)[0]));
      seen.push(...ids);
      const more = /more remain\. For the next ones, run the same command with --after (\d+)/.exec(
        result.stderr,
      );
      if (seen.length < FILES) assert.ok(more, `page ${pages} says how to go on: ${result.stderr}`);
      else assert.equal(more, null);
      after = more?.[1];
    }
    assert.equal(seen.length, FILES);
    assert.equal(new Set(seen).size, FILES);
  });
});
