/**
 * Media benchmark: how fast the simulated sensor draws frames, and what a thumbnail costs the first
 * time (decode + resize + WebP + write) and after (read from the cache), over the Review view's route
 * code path (MediaLibrary: queue lookup, confinement, sha256 check).
 *   node bench/media.bench.ts [--frames 500]
 * Prints frames/s and per-thumbnail p50/p95 in milliseconds. Numbers, not a pass/fail.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { simulate } from '../main/simulate/index.ts';
import { mediaSite } from '../tests/support/media-fixture.ts';

const { values } = parseArgs({ options: { frames: { type: 'string', default: '500' } } });
const frames = Number(values.frames);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(label: string, times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  return `${label.padEnd(34)} p50 ${percentile(sorted, 50).toFixed(2).padStart(7)} ms   p95 ${percentile(sorted, 95).toFixed(2).padStart(7)} ms`;
}

const scratch = await mkdtemp(join(tmpdir(), 'edge-media-bench-'));
try {
  const paths: string[] = [];
  const started = performance.now();
  const stats = await simulate({
    to: join(scratch, 'frames'),
    ratePerSec: Number.POSITIVE_INFINITY,
    count: frames,
    seed: 1,
    mix: { image: 1 },
    onCapture: (c) => paths.push(c.path),
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `simulate: ${stats.captures} frames (640×480 JPEG + sidecar) in ${seconds.toFixed(2)} s = ${(stats.captures / seconds).toFixed(0)} frames/s, ${(stats.bytes / stats.captures / 1024).toFixed(1)} KiB per frame with its sidecar`,
  );

  const site = await mediaSite();
  try {
    const { readFile } = await import('node:fs/promises');
    const ids: number[] = [];
    for (const [i, path] of paths.entries()) ids.push(await site.add(`f${i}.jpg`, await readFile(path)));
    const first: number[] = [];
    const cached: number[] = [];
    const images: number[] = [];
    for (const id of ids) {
      let t = performance.now();
      const made = await site.library.thumbnail(id);
      first.push(performance.now() - t);
      if (!made.ok) throw new Error(made.error.message);
      t = performance.now();
      await site.library.thumbnail(id);
      cached.push(performance.now() - t);
      t = performance.now();
      await site.library.image(id);
      images.push(performance.now() - t);
    }
    console.log(summary('thumbnail, first request (render)', first));
    console.log(summary('thumbnail, cached', cached));
    console.log(summary('full image (read + sha256 check)', images));
    console.log(
      `thumbnail cache: ${ids.length} thumbnails, ${(site.library.thumbnails.totalBytes / ids.length).toFixed(0)} bytes each on average`,
    );
  } finally {
    await site.close();
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
