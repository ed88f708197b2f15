/// <reference lib="dom" />
/**
 * Operator UI benchmark. Prints a table; figures go to README.
 *   node bench/ui.bench.ts [--items 100000] [--rate 1000] [--seconds 10]
 * A real queue with N files queued, the real engine host and server (browser mode), the built UI
 * (`npm run build:renderer` first) in Debian's headless Chromium (playwright-core). Measures:
 *  - time to the first rendered queue row after navigation (goal ≤ 1 s),
 *  - scroll frame time p95 while the virtualized list scrolls through loaded pages (goal ≤ 16 ms),
 *  - responsiveness while files arrive at --rate per second: frame time p95/max, long tasks, and how
 *    far the shown count lags behind the queue.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { EngineHost } from '../main/host/engine-host.ts';
import { startServer } from '../main/serve/server.ts';
import type { Decision } from '../shared/decision.ts';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
  },
});
const ITEMS = Number(values.items);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const RENDERER = fileURLToPath(new URL('../dist/renderer', import.meta.url));

const decision: Decision = {
  action: 'upload',
  rule: 'bench',
  ruleIndex: 0,
  reason: 'Uploaded: benchmark rule',
  priority: 0,
  objectKey: 'bench/key',
  metadata: {},
  trace: [{ rule: 'bench', matched: true, because: 'benchmark' }],
  decidedAt: 0,
};

const dir = await mkdtemp(join(tmpdir(), 'edge-ui-bench-'));
const queue = new CaptureQueue(join(dir, 'queue.db'));
let added = 0;
function addQueued(count: number): void {
  queue.transaction(() => {
    for (let i = 0; i < count; i++) {
      added += 1;
      const relPath = `cam/2024/frame_${String(added).padStart(7, '0')}.jpg`;
      const { id } = queue.discover({
        folderId: 'cam',
        relPath,
        absPath: join(dir, relPath),
        size: 4096 + (added % 1000),
        mtimeMs: 1,
      });
      queue.saveDecision(id, decision, 'queued');
    }
  });
}
const fillStart = performance.now();
for (let done = 0; done < ITEMS; done += 10_000) addQueued(Math.min(10_000, ITEMS - done));
const fillMs = performance.now() - fillStart;

const host = new EngineHost(
  { queue, on: (e, l) => queue.on(e, l), off: (e, l) => queue.off(e, l) },
  { engineVersion: 'bench' },
);
const server = await startServer({ host, staticDir: RENDERER });
const browser = await chromium.launch({
  executablePath: process.env['EDGE_CAPTURE_CHROMIUM'] ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    // A page measured in the background must draw every frame like a visible one.
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
  ],
});
const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
// Records when the first queue row is in the DOM, and every long task, from the very start.
await page.addInitScript(() => {
  const w = window as unknown as { firstRowAt?: number; longTasks: number[] };
  w.longTasks = [];
  new MutationObserver((_m, observer) => {
    if (document.querySelector('[role="option"]')) {
      w.firstRowAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) w.longTasks.push(entry.duration);
  }).observe({ type: 'longtask', buffered: true });
});

const firstRow: number[] = [];
for (let run = 0; run < 3; run++) {
  await page.goto(server.url);
  await page.waitForSelector('[role="option"]');
  firstRow.push(await page.evaluate(() => (window as unknown as { firstRowAt: number }).firstRowAt));
}

/** Frame times (ms between animation frames) while `work` runs in the page for `frames` frames. */
async function frameTimes(frames: number, scroll: boolean, px = 260): Promise<number[]> {
  return page.evaluate(
    ({ frames, scroll, px }) =>
      new Promise<number[]>((resolve) => {
        const list = document.querySelector('.queue-list') as HTMLElement;
        const times: number[] = [];
        let last = performance.now();
        let n = 0;
        const step = (now: number) => {
          times.push(now - last);
          last = now;
          if (scroll) list.scrollTop += px;
          if (++n < frames) requestAnimationFrame(step);
          else resolve(times.slice(1));
        };
        requestAnimationFrame(step);
      }),
    { frames, scroll, px },
  );
}

const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

// Scroll: 600 frames at 260 px each scrolls ~3,000 rows, crossing 15 pages fetched on demand.
const idle = await frameTimes(120, false);
const scroll = await frameTimes(600, true); // five rows a frame: a fast flick
const gentle = await frameTimes(300, true, 52); // one row a frame: reading while scrolling
const scrollLongTasks = await page.evaluate(
  () => (window as unknown as { longTasks: number[] }).longTasks.length,
);
const rowsLoaded = await page.evaluate(() => document.querySelector('.queue-list')?.scrollTop ?? 0);

// Arrivals: RATE files a second for SECONDS, in 10 batches a second, while frames are timed.
await page.evaluate(() => {
  (window as unknown as { longTasks: number[] }).longTasks = [];
  document.querySelector('.queue-list')?.scrollTo(0, 0);
});
const arrivalsStart = added;
const measuring = frameTimes(SECONDS * 60, false);
const lag: number[] = [];
for (let tick = 0; tick < SECONDS * 10; tick++) {
  const started = performance.now();
  addQueued(RATE / 10);
  if (tick % 10 === 9) {
    const shown = await page.getByTestId('count-in-progress').textContent();
    lag.push(added - Number((shown ?? '0').replace(/,/g, '')));
  }
  const wait = 100 - (performance.now() - started);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
const arrivalFrames = await measuring;
const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
const finalCount = await page.getByTestId('count-in-progress').textContent();

const row = (name: string, value: string, goal = '') =>
  console.log(`${name.padEnd(52)} ${value.padStart(14)}  ${goal}`);
console.log(
  `UI benchmark: ${ITEMS.toLocaleString('en-US')} queued files (filled in ${(fillMs / 1000).toFixed(1)} s), Chromium ${browser.version()}`,
);
row(
  'first rendered queue row after navigation (median of 3)',
  `${pct(firstRow, 50).toFixed(0)} ms`,
  'goal ≤ 1000 ms',
);
row('  runs', firstRow.map((ms) => `${ms.toFixed(0)}`).join(', '));
row('idle frame time p95', `${pct(idle, 95).toFixed(1)} ms`);
row('scroll frame time p95 (260 px/frame, pages loaded)', `${pct(scroll, 95).toFixed(1)} ms`, 'goal ≤ 16 ms');
row('scroll frame time max', `${Math.max(...scroll).toFixed(1)} ms`);
row('scroll frame time p95 (52 px/frame)', `${pct(gentle, 95).toFixed(1)} ms`, 'goal ≤ 16 ms');
row('  long tasks (> 50 ms) during load and scroll', `${scrollLongTasks}`);
row('  scrolled (px)', `${rowsLoaded.toLocaleString('en-US')}`);
row(`arrivals ${RATE}/s for ${SECONDS} s: frame time p95`, `${pct(arrivalFrames, 95).toFixed(1)} ms`);
row('arrivals: frame time max', `${Math.max(...arrivalFrames).toFixed(1)} ms`);
row(
  'arrivals: long tasks (> 50 ms)',
  `${longTasks.length} (${longTasks.reduce((a, b) => a + b, 0).toFixed(0)} ms)`,
);
row('arrivals: shown count behind the queue, p95 (per second)', `${pct(lag, 95)} files`);
row(
  'arrivals: shown count at the end / queued',
  `${finalCount} / ${added.toLocaleString('en-US')} (+${(added - arrivalsStart).toLocaleString('en-US')})`,
);

await browser.close();
await server.close();
host.close();
queue.close();
await rm(dir, { recursive: true, force: true });
