/// <reference lib="dom" />
/**
 * Operator UI benchmark. Prints a table; figures go to README.
 *   node bench/ui.bench.ts [--items 100000] [--rate 1000] [--seconds 10]
 * A real queue with N files queued, the real engine host and server (browser mode), the built UI
 * in Debian's headless Chromium (playwright-core). The bench builds the renderer itself, for production,
 * into a temporary directory: dist/renderer may hold a development build (React's development build
 * renders several times slower), e.g. one made by the test setup, where NODE_ENV is 'test'. Measures:
 *  - time to the first rendered queue row after navigation (goal ≤ 1 s),
 *  - scroll frame time p95 while the virtualized list scrolls through loaded pages (goal ≤ 16 ms),
 *  - responsiveness while files arrive at --rate per second: frame time p95/max, long tasks, and how
 *    far the shown count lags behind the queue.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { EngineHost } from '../main/host/engine-host.ts';
import { startServer } from '../main/serve/server.ts';
import type { Decision } from '../shared/decision.ts';
import { launchBenchChromium } from './support/chromium.ts';

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

/** Every .js file of a directory, as one string. */
async function readdirText(path: string): Promise<string> {
  const names = (await readdir(path)).filter((name) => name.endsWith('.js'));
  return (await Promise.all(names.map((name) => readFile(join(path, name), 'utf8')))).join('\n');
}

const dir = await mkdtemp(join(tmpdir(), 'edge-ui-bench-'));
const RENDERER = join(dir, 'renderer');
// Vite takes NODE_ENV over the build mode when it is set; React picks its build from it.
process.env['NODE_ENV'] = 'production';
await build({
  configFile: fileURLToPath(new URL('../renderer/vite.config.ts', import.meta.url)),
  build: { outDir: RENDERER, emptyOutDir: true },
  logLevel: 'warn',
});
if (/jsxDEV|react_stack_bottom_frame/.test(await readdirText(join(RENDERER, 'assets')))) {
  throw new Error('The renderer build is a development build: the figures would not be the shipped UI.');
}
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
const browser = await launchBenchChromium();
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

/** Serves, next to the real UI, a static page of the list's rows with the built stylesheet and scrolls it. */
async function scrollBaseline(on: Page) {
  const index = await readFile(join(RENDERER, 'index.html'), 'utf8');
  const css = /<link rel="stylesheet"[^>]*href="([^"]+)"/.exec(index)?.[1] ?? '';
  const rows = Math.ceil((600 * 260 + 300 * 52 + 768) / 52) + 20;
  const html: string[] = [];
  for (let i = 0; i < rows; i++) {
    const n = String(ITEMS - i).padStart(7, '0');
    html.push(
      '<div class="row" role="option" style="position: static; height: 52px">' +
        `<div class="row-main"><span class="row-name" title="cam/2024/frame_${n}.jpg">cam/2024/frame_${n}.jpg</span>` +
        '<span class="badge state-queued">queued</span></div>' +
        `<div class="row-sub"><span>cam</span><span>${(4 + (i % 10) / 10).toFixed(1)} KiB</span><span>${i % 60} s ago</span>` +
        '<span class="row-reason">Uploaded: benchmark rule</span></div></div>',
    );
  }
  const body = `<!doctype html><html lang="en"><head><meta charset="UTF-8"><link rel="stylesheet" href="${css}"></head>
<body><div class="split" style="height: 100vh"><section class="list-pane"><div class="queue-list" role="listbox">
<div>${html.join('')}</div></div></section>
<section class="detail-pane"><p class="empty">Static baseline</p></section></div></body></html>`;
  const url = new URL('bench-static-list.html', server.url).href;
  await on.route(url, (route) => route.fulfill({ contentType: 'text/html', body }));
  await on.goto(url);
  await on.waitForSelector('[role="option"]');
  return {
    idle: await frameTimes(on, 120, false),
    scroll: await frameTimes(on, 600, true),
    gentle: await frameTimes(on, 300, true, 52),
  };
}

const firstRow: number[] = [];
for (let run = 0; run < 3; run++) {
  await page.goto(server.url);
  await page.waitForSelector('[role="option"]');
  firstRow.push(await page.evaluate(() => (window as unknown as { firstRowAt: number }).firstRowAt));
}

interface Run {
  /** ms between animation frames. */
  times: number[];
  /** Main-thread ms per frame (Chromium's own counters): all tasks, and of those script, style, layout. */
  task: number;
  script: number;
  style: number;
  layout: number;
}

/** Frame times while the page's `.queue-list` scrolls `px` a frame (or stays still) for `frames` frames. */
async function frameTimes(on: Page, frames: number, scroll: boolean, px = 260): Promise<Run> {
  const cdp = await on.context().newCDPSession(on);
  await cdp.send('Performance.enable');
  const metrics = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
  };
  const before = await metrics();
  const times = await on.evaluate(
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
  const after = await metrics();
  await cdp.detach();
  const perFrame = (name: string) => (((after[name] ?? 0) - (before[name] ?? 0)) * 1000) / frames;
  return {
    times,
    task: perFrame('TaskDuration'),
    script: perFrame('ScriptDuration'),
    style: perFrame('RecalcStyleDuration'),
    layout: perFrame('LayoutDuration'),
  };
}

const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

// Scroll: 600 frames at 260 px each scrolls ~3,000 rows, crossing 15 pages fetched on demand.
const idle = await frameTimes(page, 120, false);
const scroll = await frameTimes(page, 600, true); // five rows a frame: a fast flick
const gentle = await frameTimes(page, 300, true, 52); // one row a frame: reading while scrolling
const scrollLongTasks = await page.evaluate(
  () => (window as unknown as { longTasks: number[] }).longTasks.length,
);
const rowsLoaded = await page.evaluate(() => document.querySelector('.queue-list')?.scrollTop ?? 0);

// The peer baseline: the same styles, viewport and browser scrolling a plain page of the same rows,
// every one in the DOM from the start in normal flow (no React, no virtualizer, no fetching). Whatever frame time
// this page shows is the machine's and Chromium's (software raster, frame clock), not ours.
const baselinePage = await browser.newPage({ viewport: { width: 1366, height: 768 } });
const baseline = await scrollBaseline(baselinePage);
await baselinePage.close();

// Arrivals: RATE files a second for SECONDS, in 10 batches a second, while frames are timed.
await page.evaluate(() => {
  (window as unknown as { longTasks: number[] }).longTasks = [];
  document.querySelector('.queue-list')?.scrollTo(0, 0);
});
const arrivalsStart = added;
const measuring = frameTimes(page, SECONDS * 60, false);
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
const arrivalFrames = (await measuring).times;
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
const missed = (times: number[]) => times.filter((ms) => ms > 20).length / times.length;
const cases = [
  ['idle', idle, baseline.idle, ''],
  ['scroll 260 px/frame (pages load on demand)', scroll, baseline.scroll, 'goal ≤ 16 ms'],
  ['scroll 52 px/frame', gentle, baseline.gentle, 'goal ≤ 16 ms'],
] as const;
console.log(`${''.padEnd(52)} ${'our list'.padStart(14)}  ${'static baseline'.padStart(15)}`);
const pair = (name: string, ours: string, peer: string, goal = '') =>
  console.log(`${name.padEnd(52)} ${ours.padStart(14)}  ${peer.padStart(15)}  ${goal}`);
for (const [name, ours, peer, goal] of cases) {
  pair(
    `${name}: frame time p95`,
    `${pct(ours.times, 95).toFixed(1)} ms`,
    `${pct(peer.times, 95).toFixed(1)} ms`,
    goal,
  );
  pair(
    '  frame time max',
    `${Math.max(...ours.times).toFixed(1)} ms`,
    `${Math.max(...peer.times).toFixed(1)} ms`,
  );
  pair(
    '  frames over 20 ms (a missed vsync)',
    `${(missed(ours.times) * 100).toFixed(1)} %`,
    `${(missed(peer.times) * 100).toFixed(1)} %`,
  );
  pair('  main thread per frame: all tasks', `${ours.task.toFixed(2)} ms`, `${peer.task.toFixed(2)} ms`);
  pair('    script', `${ours.script.toFixed(2)} ms`, `${peer.script.toFixed(2)} ms`);
  pair(
    '    style + layout',
    `${(ours.style + ours.layout).toFixed(2)} ms`,
    `${(peer.style + peer.layout).toFixed(2)} ms`,
  );
}
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
