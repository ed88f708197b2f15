/// <reference lib="dom" />
/**
 * Review UI benchmark (issue 10): next-item latency while reviewing a set of predicted images, measured
 * in the UI (goal ≤ 50 ms p95).
 *   node bench/review-ui.bench.ts [--items 10000] [--frames 300] [--steps 200] [--think 300]
 * A real queue of N captures with predictions: the simulator draws --frames realistic 640×480 JPEGs with
 * sidecars (30 % model mistakes), the engine's own inspector inspects each once (sha256, content type,
 * predictions), and the N queue rows are made through the queue's API (discover, inspection, decision:
 * the review triggers run; 10 % held by a rule), each on its own file name, a hard link to one of the
 * frames, so `/media/image/:id` reads and verifies real bytes. The real engine host, review service,
 * media library and server (browser mode); the renderer built for production into a temp folder; Debian's
 * headless Chromium (playwright-core) on the Review view.
 * Measured in the page: from the keydown event (its timeStamp) to the first animation frame in which the
 * next item is on screen, i.e. the stage carries the new item's data-file-id, its <img> is complete and
 * decoded, and its SVG holds one box per predicted box of that item. Runs:
 *  - Enter (accept, go on to the next open item), a reviewer looking at each item for --think ms;
 *  - Enter back to back (the next key as soon as the item shows: prefetch has no slack);
 *  - ArrowRight (next item), --think ms apart.
 * For comparison, the engine side alone, from Node over the same server: `review.item` over the
 * WebSocket contract, `GET /media/image/:id`, and both in parallel (what preparing one item costs).
 * Prints p50/p95/max; no assertions.
 */
import { link, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { createInspector } from '../main/engine/inspect/index.ts';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { ReviewService } from '../main/engine/review/index.ts';
import { MediaLibrary } from '../main/engine/thumbnails/index.ts';
import { EngineHost } from '../main/host/engine-host.ts';
import { startServer } from '../main/serve/server.ts';
import { simulate } from '../main/simulate/index.ts';
import { EngineClient } from '../renderer/src/contract/client.ts';
import { webSocketTransport } from '../renderer/src/contract/websocket-transport.ts';
import { imagePath } from '../shared/contract/index.ts';
import type { Decision } from '../shared/decision.ts';
import type { Inspection } from '../shared/inspection.ts';
import { launchBenchChromium } from './support/chromium.ts';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '10000' },
    frames: { type: 'string', default: '300' },
    steps: { type: 'string', default: '200' },
    think: { type: 'string', default: '300' },
  },
});
const ITEMS = Number(values.items);
const FRAMES = Number(values.frames);
const STEPS = Number(values.steps);
const THINK = Number(values.think);

const dir = await mkdtemp(join(tmpdir(), 'edge-review-ui-bench-'));
const SOURCE = join(dir, 'frames');
const CAPTURES = join(dir, 'captures');

// 1. Realistic frames, inspected once by the engine's inspector.
const simStart = performance.now();
await simulate({
  to: SOURCE,
  ratePerSec: Number.POSITIVE_INFINITY,
  count: FRAMES,
  seed: 7,
  mix: { image: 1 },
  subdirs: false,
  mistakeRate: 0.3,
});
const simMs = performance.now() - simStart;
const inspector = await createInspector({
  sidecarPattern: '{stem}.pred.json',
  maxFileSize: 1024 ** 3,
  pii: { enabled: false, maxScanBytes: 1024, detectors: [], custom: [] },
  plugins: [],
});
const frames: { path: string; inspection: Inspection }[] = [];
for (const name of (await readdir(SOURCE)).filter((n) => n.endsWith('.jpg')).sort()) {
  const path = join(SOURCE, name);
  frames.push({
    path,
    inspection: await inspector.inspect({ folderId: 'src', absPath: path, relPath: name }),
  });
}
await inspector.close();
if (frames.length === 0) throw new Error('The simulator wrote no frames.');

// 2. N queue rows through the queue's own API, each on its own name (a hard link to a frame).
await mkdir(join(CAPTURES, 'cam'), { recursive: true });
const queue = new CaptureQueue(join(dir, 'queue.db'));
/** Boxes each file should show: the view draws one per predicted box. */
const boxesOf: Record<number, number> = {};
const fillStart = performance.now();
const rows: { relPath: string; absPath: string; frame: (typeof frames)[number] }[] = [];
for (let i = 0; i < ITEMS; i++) {
  const frame = frames[i % frames.length]!;
  const relPath = `cam/frame_${String(i).padStart(6, '0')}.jpg`;
  const absPath = join(CAPTURES, relPath);
  await link(frame.path, absPath);
  rows.push({ relPath, absPath, frame });
}
const now = Date.now();
for (let start = 0; start < ITEMS; start += 1000) {
  queue.transaction(() => {
    for (let i = start; i < Math.min(ITEMS, start + 1000); i++) {
      const { relPath, absPath, frame } = rows[i]!;
      const mtimeMs = now - (ITEMS - i) * 1000;
      const { id } = queue.discover({
        folderId: 'cam',
        relPath,
        absPath,
        size: frame.inspection.size,
        mtimeMs,
      });
      queue.saveInspection(id, { ...frame.inspection, mtimeMs });
      boxesOf[id] = (frame.inspection.predictions?.items ?? []).filter((p) => p.box).length;
      const held = i % 10 === 0;
      const decision: Decision = {
        action: held ? 'hold' : 'upload',
        rule: held ? 'check-people' : 'frames',
        ruleIndex: held ? 0 : 1,
        reason: held ? 'A person the model was unsure of' : 'Uploaded: frames',
        priority: 0,
        objectKey: held ? undefined : `plant9/${relPath}`,
        metadata: {},
        trace: [],
        decidedAt: mtimeMs,
      };
      queue.saveDecision(id, decision, held ? 'held' : 'queued');
    }
  });
}
const fillMs = performance.now() - fillStart;

// 3. The renderer for production, the engine host and the server.
const RENDERER = join(dir, 'renderer');
process.env['NODE_ENV'] = 'production';
await build({
  configFile: fileURLToPath(new URL('../renderer/vite.config.ts', import.meta.url)),
  build: { outDir: RENDERER, emptyOutDir: true },
  logLevel: 'warn',
});
const assets = join(RENDERER, 'assets');
const js = await Promise.all(
  (await readdir(assets)).filter((n) => n.endsWith('.js')).map((n) => readFile(join(assets, n), 'utf8')),
);
if (/jsxDEV|react_stack_bottom_frame/.test(js.join('\n'))) {
  throw new Error('The renderer build is a development build: the figures would not be the shipped UI.');
}
const review = new ReviewService(queue);
const host = new EngineHost(
  { queue, review, on: (e, l) => queue.on(e, l), off: (e, l) => queue.off(e, l) },
  { engineVersion: 'bench' },
);
const media = new MediaLibrary({ queue, folders: [{ id: 'cam', path: CAPTURES }], dataDir: dir });
const server = await startServer({ host, staticDir: RENDERER, media });

// 4. Chromium on the Review view.
const browser = await launchBenchChromium();
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
const origin = new URL(server.url).origin;
await page.goto(`${origin}/#/review`);
await page.getByLabel(/Your name/).fill('bench');
await page.keyboard.press('Enter');
await page.locator('.review-row').first().waitFor({ timeout: 60_000 });
await page.evaluate((boxes) => {
  const w = window as unknown as { boxesOf: Record<number, number> };
  w.boxesOf = boxes;
}, boxesOf);

/** The item on screen: its id once its picture is complete and its boxes drawn, else undefined. */
async function shownItem(on: Page): Promise<number | undefined> {
  return on.evaluate(() => {
    const stage = document.querySelector('.review-stage');
    const id = Number(stage?.getAttribute('data-file-id'));
    const img = stage?.querySelector<HTMLImageElement>('.stage img');
    const boxes = stage?.querySelectorAll('.stage svg .box').length ?? -1;
    const want = (window as unknown as { boxesOf: Record<number, number> }).boxesOf[id];
    return id && img?.complete && img.naturalWidth > 0 && boxes === want ? id : undefined;
  });
}

/**
 * Presses `key` and resolves with ms from the keydown event to the first animation frame showing
 * the next item (another id than before, picture complete, every box drawn).
 */
async function step(on: Page, key: string): Promise<{ ms: number; from: number; to: number }> {
  const armed = on.evaluate(
    () =>
      new Promise<{ ms: number; from: number; to: number }>((resolve, reject) => {
        const stage = () => document.querySelector('.review-stage');
        const from = Number(stage()?.getAttribute('data-file-id'));
        const boxesOf = (window as unknown as { boxesOf: Record<number, number> }).boxesOf;
        let pressedAt: number | undefined;
        window.addEventListener(
          'keydown',
          (event) => {
            pressedAt = event.timeStamp;
          },
          { capture: true, once: true },
        );
        const giveUp = setTimeout(() => {
          const s = stage();
          const id = Number(s?.getAttribute('data-file-id'));
          const rows = [...document.querySelectorAll('.review-row')];
          const active = rows.findIndex((r) => r.classList.contains('active'));
          const img = s?.querySelector<HTMLImageElement>('.stage img');
          reject(
            new Error(
              `no next item after ${from} in 20 s: shown ${id} (row ${active} of ${rows.length}), ` +
                `img ${img ? `${img.complete} ${img.naturalWidth}` : 'none'}, ` +
                `boxes ${s?.querySelectorAll('.stage svg .box').length} of ${boxesOf[id]}, ` +
                `message: ${document.querySelector('.review-message')?.textContent}`,
            ),
          );
        }, 20_000);
        const check = (frameAt: number) => {
          const s = stage();
          const id = Number(s?.getAttribute('data-file-id'));
          const img = s?.querySelector<HTMLImageElement>('.stage img');
          const boxes = s?.querySelectorAll('.stage svg .box').length ?? -1;
          if (
            pressedAt !== undefined &&
            id &&
            id !== from &&
            img?.complete &&
            img.naturalWidth > 0 &&
            boxes === boxesOf[id]
          ) {
            clearTimeout(giveUp);
            resolve({ ms: frameAt - pressedAt, from, to: id });
          } else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      }),
  );
  // The listener is in place once the evaluate's script ran; a frame later is safe.
  await on.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(undefined))));
  await on.keyboard.press(key);
  return armed;
}

async function run(key: string, steps: number, think: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const done = await step(page, key);
    times.push(done.ms);
    if (think > 0) await new Promise((resolve) => setTimeout(resolve, think));
  }
  return times;
}

// The first item on screen, then a short warm-up (JIT, first prefetches), not counted.
const firstShown = performance.now();
while ((await shownItem(page)) === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
const firstMs = performance.now() - firstShown;
await run('Enter', 10, THINK);
const enterThink = await run('Enter', STEPS, THINK);
const enterRapid = await run('Enter', STEPS, 0);
const arrow = await run('ArrowRight', Math.max(1, Math.floor(STEPS / 2)), THINK);
const unsynced = await page.locator('.sync-badge').getAttribute('data-unsynced');

// 5. The engine side alone, from Node over the same server and contract.
const client = new EngineClient(webSocketTransport(`${origin.replace('http', 'ws')}/contract`), 'bench');
client.start();
await new Promise<void>((resolve) => {
  const off = client.onState((state) => {
    if (state.kind === 'connected') {
      queueMicrotask(() => off());
      resolve();
    }
  });
});
const ids = Object.keys(boxesOf)
  .map(Number)
  .sort((a, b) => a - b);
const sample = Array.from({ length: STEPS }, (_, i) => ids[(i * 37 + 5000) % ids.length]!);
const itemMs: number[] = [];
const imageMs: number[] = [];
const bothMs: number[] = [];
const timed = async <T>(into: number[], work: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  const result = await work();
  into.push(performance.now() - started);
  return result;
};
const fetchImage = async (fileId: number) => {
  const answer = await fetch(new URL(imagePath(fileId), origin));
  if (!answer.ok) throw new Error(`${imagePath(fileId)}: HTTP ${answer.status}`);
  return answer.arrayBuffer();
};
for (const fileId of sample) {
  await timed(itemMs, () => client.request('review.item', { fileId }));
  await timed(imageMs, () => fetchImage(fileId));
  await timed(bothMs, () => Promise.all([client.request('review.item', { fileId }), fetchImage(fileId)]));
}
client.stop();

const pct = (samples: number[], p: number): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const line = (name: string, samples: number[], goal = '') =>
  console.log(
    `  ${name.padEnd(58)} p50 ${pct(samples, 50).toFixed(1).padStart(6)} ms  p95 ${pct(samples, 95).toFixed(1).padStart(6)} ms  max ${Math.max(
      ...samples,
    )
      .toFixed(1)
      .padStart(6)} ms  (n=${samples.length})  ${goal}`,
  );
const frameSizes = frames.map((f) => f.inspection.size);
console.log(
  `Review UI benchmark: ${ITEMS.toLocaleString('en-US')} predicted captures (${frames.length} distinct simulated 640×480 JPEGs, ` +
    `${Math.round(Math.min(...frameSizes) / 1024)}–${Math.round(Math.max(...frameSizes) / 1024)} KiB, hard-linked), Chromium ${browser.version()}, node ${process.version}`,
);
console.log(
  `  frames drawn in ${(simMs / 1000).toFixed(1)} s; queue filled in ${(fillMs / 1000).toFixed(1)} s; first item shown ${firstMs.toFixed(0)} ms after the list`,
);
console.log('In the UI: keydown → first frame with the next item (picture complete, every box drawn)');
line(`Enter (accept, next open item), ${THINK} ms look per item`, enterThink, 'goal ≤ 50 ms p95');
line('Enter, back to back (next key as soon as it shows)', enterRapid, 'goal ≤ 50 ms p95');
line(`ArrowRight (next item), ${THINK} ms look per item`, arrow, 'goal ≤ 50 ms p95');
console.log(`  corrections not synced at the end: ${unsynced}`);
console.log('The engine side alone (Node → same server), one item at a time:');
line('review.item over the WebSocket contract', itemMs);
line('GET /media/image/:id (the whole JPEG)', imageMs);
line('both in parallel (preparing one item)', bothMs);

await browser.close();
await server.close();
host.close();
queue.close();
await rm(dir, { recursive: true, force: true });
