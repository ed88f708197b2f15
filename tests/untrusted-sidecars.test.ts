import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { ResolvedInspect } from '../main/engine/config/types.ts';
import { createInspector } from '../main/engine/inspect/index.ts';
import { MAX_SIDECAR_BYTES } from '../main/engine/inspect/sidecar.ts';
import type { SymlinkPolicy } from '../shared/config.ts';

/**
 * Prediction sidecars sit in capture folders, written by whoever can write there: a sidecar that
 * is a pipe, a device or a huge file must cost one warning, not the engine's memory or a batch.
 */

const CHILD = path.join(import.meta.dirname, 'support', 'inspect-child.ts');
const INSPECT: ResolvedInspect = {
  sidecarPattern: '{stem}.pred.json',
  maxFileSize: 1024 ** 3,
  pii: { enabled: false, maxScanBytes: 1024, detectors: [], custom: [] },
  plugins: [],
};
/** Far above a Node process inspecting a few files (~60 MB), far below a runaway read. */
const RSS_LIMIT_MB = 300;
/** A hung child is ended at this point (the read of /dev/zero grew at GB/s before the fix). */
const RSS_KILL_MB = 1024;
const DEADLINE_MS = 60_000;

interface ChildResult {
  relPath: string;
  warnings?: string[];
  predictions?: unknown;
  error?: string;
}

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'untrusted-sidecars-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/** Inspects `names` (capture files in `root`) in a child process; reports its peak memory. */
async function inspectInChild(
  names: string[],
  symlinks: SymlinkPolicy = 'inside',
): Promise<{ results: ChildResult[]; peakRssMb: number }> {
  const job = {
    inspect: INSPECT,
    folders: [{ id: 'cam', path: root, symlinks }],
    targets: names.map((relPath) => ({ folderId: 'cam', absPath: path.join(root, relPath), relPath })),
  };
  const child = spawn(process.execPath, [CHILD, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let peakRssMb = 0;
  let why: string | undefined;
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const done = await Promise.race([exited.then(() => true), delay(20).then(() => false)]);
    if (done) break;
    peakRssMb = Math.max(peakRssMb, rssMb(child.pid ?? 0));
    if (peakRssMb > RSS_KILL_MB) why = `its memory passed ${RSS_KILL_MB} MB`;
    else if (Date.now() > deadline) why = `it had not finished after ${DEADLINE_MS / 1000} s`;
    if (why) {
      child.kill('SIGKILL');
      await exited;
      assert.fail(`the inspection was stopped: ${why} (peak RSS ${Math.round(peakRssMb)} MB)`);
    }
  }
  assert.equal(await exited, 0, `the inspection child failed: ${err}`);
  return { results: JSON.parse(out) as ChildResult[], peakRssMb };
}

async function capture(name: string): Promise<void> {
  await fs.writeFile(path.join(root, name), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
}

describe('prediction sidecars are read with guards', () => {
  test('a sidecar that is a named pipe (FIFO) is refused at once and does not stall the batch', async () => {
    await capture('piped.jpg');
    execFileSync('mkfifo', [path.join(root, 'piped.pred.json')]);
    const others = Array.from({ length: 20 }, (_, i) => `other-${i}.jpg`);
    for (const name of others) await capture(name);
    const { results } = await inspectInChild(['piped.jpg', ...others]);
    const piped = results.find((r) => r.relPath === 'piped.jpg');
    assert.equal(piped?.error, undefined, piped?.error);
    assert.equal(piped?.predictions, null);
    assert.match(
      piped?.warnings?.join('\n') ?? '',
      /sidecar piped\.pred\.json is not a regular file \(it is a named pipe\)/,
    );
    assert.equal(
      results.filter((r) => r.error === undefined).length,
      21,
      'every file of the batch inspected',
    );
  });

  test('a sidecar linked to /dev/zero is refused without reading it, even with symlinks: follow', async () => {
    await capture('zero.jpg');
    await fs.symlink('/dev/zero', path.join(root, 'zero.pred.json'));
    const followed = await inspectInChild(['zero.jpg'], 'follow');
    assert.match(
      followed.results[0]?.warnings?.join('\n') ?? '',
      /sidecar zero\.pred\.json is not a regular file \(it is a device\)/,
    );
    assert.ok(followed.peakRssMb < RSS_LIMIT_MB, `peak RSS ${Math.round(followed.peakRssMb)} MB`);
    const inside = await inspectInChild(['zero.jpg'], 'inside');
    assert.match(
      inside.results[0]?.warnings?.join('\n') ?? '',
      /symbolic link to \/dev\/zero, outside capture folder/,
    );
  });

  test(`a sidecar over ${MAX_SIDECAR_BYTES / 1024 ** 2} MiB is refused with a warning that says why`, async () => {
    assert.equal(MAX_SIDECAR_BYTES, 1024 * 1024, 'the documented bound');
    await capture('big.jpg');
    const items = JSON.stringify([{ label: 'person', score: 0.9 }]);
    // Valid JSON, padded past the bound: only its size is wrong.
    await fs.writeFile(path.join(root, 'big.pred.json'), items + ' '.repeat(MAX_SIDECAR_BYTES));
    const inspector = await createInspector(INSPECT, {
      folders: [{ id: 'cam', path: root, symlinks: 'inside' }],
    });
    const inspection = await inspector.inspect({
      folderId: 'cam',
      absPath: path.join(root, 'big.jpg'),
      relPath: 'big.jpg',
    });
    assert.equal(inspection.predictions, undefined);
    assert.match(
      inspection.warnings.join('\n'),
      /sidecar big\.pred\.json is 1025 KiB, above the 1 MiB a prediction sidecar may have/,
    );
    // Just under the bound still counts.
    await fs.writeFile(
      path.join(root, 'big.pred.json'),
      items + ' '.repeat(MAX_SIDECAR_BYTES - items.length),
    );
    const fits = await inspector.inspect({
      folderId: 'cam',
      absPath: path.join(root, 'big.jpg'),
      relPath: 'big.jpg',
    });
    assert.equal(fits.predictions?.items.length, 1);
  });
});
