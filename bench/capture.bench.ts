/**
 * Capture engine benchmark (issue 2). Prints a table; figures go to README.
 *   node bench/capture.bench.ts [--files 100000] [--live 20000] [--rate 1000] [--rows 1000000]
 *     [--only scan,live,burst,latency,rss] [--workers N] [--burst-dirs 1]
 * Capture only (watch → inspect → decide → queue; uploads are measured by bench/upload.bench.ts).
 * Measures: catch-up scan of N existing 4 KiB files (vs rclone hashsum sha256 and find+sha256sum on
 * the same files), live files/s decided (with the engine's main-thread CPU per file, which a shared
 * machine's load hardly changes), a burst of already written files renamed in as fast as possible
 * (the engine's capacity without the writer's cost), rename→queued latency at a fixed rate, peak RSS
 * with a 1,000,000-row queue (the engine started as `edge-capture` starts it, with the compile cache;
 * NODE_DISABLE_COMPILE_CACHE=1 measures a first start). --workers sets the inspection worker threads
 * (default: the engine's), in every phase.
 * Leave ~40 s between runs on ext4: right after many files are deleted (the previous run's), the
 * kernel's inode allocator skips recently freed inodes slowly, and the writer (not the engine) slows
 * to ~1,500 files/s with most of its time in the kernel.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../main/engine/config/resolve.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import { CaptureQueue } from '../main/engine/queue/queue.ts';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '100000' },
    live: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '1000' },
    'rate-seconds': { type: 'string', default: '15' },
    rows: { type: 'string', default: '1000000' },
    only: { type: 'string', default: 'scan,live,burst,latency,rss' },
    workers: { type: 'string' },
    'burst-dirs': { type: 'string', default: '1' },
  },
});
const PHASES = new Set(values.only.split(','));
const FILES = Number(values.files);
const LIVE = Number(values.live);
const RATE = Number(values.rate);
const RATE_SECONDS = Number(values['rate-seconds']);
const ROWS = Number(values.rows);
const FILE_BYTES = 4096;
const ENGINE_OPTIONS = {
  transfer: false,
  ...(values.workers === undefined ? {} : { inspectWorkers: Number(values.workers) }),
};
const BURST_DIRS = Math.max(1, Number(values['burst-dirs']));
/** How long after the last file is queued the CPU per file is read (see cpuMeter). */
const SETTLE_MS = 1_000;

const results: [string, string][] = [];
const report = (name: string, value: string) => {
  results.push([name, value]);
  process.stderr.write(`  ${name}: ${value}\n`);
};

const root = await mkdtemp(join(tmpdir(), 'edge-bench-'));
try {
  if (PHASES.has('scan')) await catchUpScan();
  if (PHASES.has('live')) await liveThroughput();
  if (PHASES.has('burst')) await burstThroughput();
  if (PHASES.has('latency')) await latencyAtRate();
  if (PHASES.has('rss')) await peakRssWithBigQueue();
} finally {
  await rm(root, { recursive: true, force: true });
}
process.stdout.write(
  `\nEdge Capture capture-engine benchmark (${new Date().toISOString()}, node ${process.version}, ` +
    `durability: ${siteConfig('header').config.durability}, load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})\n`,
);
for (const [name, value] of results) process.stdout.write(`${name.padEnd(58)} ${value}\n`);

function siteConfig(name: string, extra: Record<string, unknown> = {}) {
  const captures = join(root, name, 'captures');
  const dataDir = join(root, name, 'data');
  const config = resolveConfig(
    {
      site: 'bench',
      dataDir,
      // The engine's default durability (README's figures are with it); printed with the results.
      folders: [{ id: 'cam', path: captures, completion: 'rename' }],
      reconcileInterval: 0,
      inspect: { pii: { enabled: true } },
      rules: [
        { name: 'pii', when: { tags: { any: ['pii:*'] } }, action: 'quarantine' },
        { name: 'blobs', when: { size: { min: 1 } }, action: 'upload' },
      ],
      ...extra,
    },
    '(bench)',
  );
  return { captures, dataDir, config };
}

/**
 * Waits until `count()` reaches `target`. Gives up when it has not moved for `stallMs` (a file the
 * watcher never saw: with reconcileInterval 0 nothing would pick it up) and reports how many are missing.
 */
async function waitFor(label: string, count: () => number, target: number, stallMs = 15_000): Promise<void> {
  let last = -1;
  let since = performance.now();
  for (;;) {
    const now = count();
    if (now >= target) return;
    if (now !== last) {
      last = now;
      since = performance.now();
    } else if (performance.now() - since > stallMs) {
      report(`${label}: WARNING files never queued`, `${target - now} of ${target} (events lost?)`);
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function writeFiles(dir: string, count: number): Promise<void> {
  const body = Buffer.alloc(FILE_BYTES, 'a');
  for (let d = 0; d < Math.ceil(count / 1000); d++) {
    const sub = join(dir, `d${d}`);
    await mkdir(sub, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let i = d * 1000; i < Math.min(count, (d + 1) * 1000); i++) {
      body.write(String(i).padStart(12, '0'), 0); // unique content: no duplicate short-cuts
      writes.push(writeFile(join(sub, `f${i}.bin`), Buffer.from(body)));
    }
    await Promise.all(writes);
  }
}

async function catchUpScan(): Promise<void> {
  process.stderr.write(`catch-up scan of ${FILES} existing ${FILE_BYTES}-byte files\n`);
  const { captures, config } = siteConfig('scan');
  await writeFiles(captures, FILES);
  execFileSync('sync');
  report('catch-up: load average (1 min) at the start', loadavg()[0]!.toFixed(2));
  const engine = new CaptureEngine(config, ENGINE_OPTIONS);
  const started = performance.now();
  await engine.start();
  await engine.settled();
  const seconds = (performance.now() - started) / 1000;
  const decided = engine.queue.counts().queued;
  const indexedSeconds = await indexesCaughtUp(engine, started);
  await engine.stop();
  report(
    `catch-up: scan+inspect+decide+queue ${FILES} files`,
    `${(decided / seconds).toFixed(0)} files/s (${seconds.toFixed(1)} s)`,
  );
  report(
    'catch-up: until catalog and review indexes caught up too',
    `${(decided / indexedSeconds).toFixed(0)} files/s (${indexedSeconds.toFixed(1)} s)`,
  );
  if (decided !== FILES) report('catch-up: WARNING decided count', `${decided} of ${FILES}`);
  peer('peer: rclone hashsum sha256 (same files)', 'rclone', ['hashsum', 'sha256', captures], FILES);
  peer(
    'peer: find | xargs sha256sum (same files)',
    'bash',
    ['-c', `find ${captures} -type f -print0 | xargs -0 -P2 -n 500 sha256sum`],
    FILES,
  );
}

function peer(name: string, command: string, args: string[], files: number): void {
  try {
    const started = performance.now();
    execFileSync(command, args, { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 1 << 30 });
    const seconds = (performance.now() - started) / 1000;
    report(name, `${(files / seconds).toFixed(0)} files/s (${seconds.toFixed(1)} s)`);
  } catch (error) {
    report(name, `not run (${(error as Error).message.split('\n')[0]})`);
  }
}

/** A writer in its own process, so it does not steal the engine's event loop. Returns rename times. */
function runWriter(dir: string, count: number, rate: number): Promise<Map<string, number>> {
  const script = `
    import { simulate } from ${JSON.stringify(join(import.meta.dirname, '..', 'main', 'simulate', 'index.ts'))};
    const out = [];
    await simulate({ to: ${JSON.stringify(dir)}, ratePerSec: ${rate}, count: ${count}, fixedSize: ${FILE_BYTES}, subdirs: false,
      onCapture: (c) => out.push(c.path + '\\t' + (performance.timeOrigin + performance.now())) });
    process.stdout.write(out.join('\\n'));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`writer exited with ${code}`));
      const times = new Map<string, number>();
      for (const line of text.split('\n').filter(Boolean)) {
        const [path, at] = line.split('\t');
        times.set(path!, Number(at));
      }
      resolve(times);
    });
  });
}

async function liveThroughput(): Promise<void> {
  process.stderr.write(`live: ${LIVE} files written as fast as possible while the engine runs\n`);
  const { captures, config } = siteConfig('live');
  await mkdir(captures, { recursive: true });
  // Earlier phases' writes are flushed first, so the writer does not pay for them.
  execFileSync('sync');
  report('live: load average (1 min) at the start', loadavg()[0]!.toFixed(2));
  const engine = new CaptureEngine(config, ENGINE_OPTIONS);
  await engine.start();
  await engine.settled();
  const started = performance.now();
  const cpu = cpuMeter();
  await runWriter(captures, LIVE, 1_000_000);
  const writeSeconds = (performance.now() - started) / 1000;
  await waitFor('live', () => engine.queue.counts().queued, LIVE);
  const seconds = (performance.now() - started) / 1000;
  const indexedSeconds = await indexesCaughtUp(engine, started);
  const used = await cpu.perFileSettled(LIVE);
  await engine.stop();
  report(`live: files written by the simulator`, `${(LIVE / writeSeconds).toFixed(0)} files/s`);
  report(
    `live: files decided and queued`,
    `${(LIVE / seconds).toFixed(0)} files/s (${seconds.toFixed(1)} s)`,
  );
  report(
    'live: until catalog and review indexes caught up too',
    `${(LIVE / indexedSeconds).toFixed(0)} files/s (${indexedSeconds.toFixed(1)} s)`,
  );
  report('live: engine CPU per file (incl. indexing), main thread / whole process', used);
}

/**
 * Seconds from `started` until every queued file is in the catalog and the review queue too (the
 * indexer runs in batches after the capture path; engines from before it indexed in the same commit).
 */
async function indexesCaughtUp(engine: CaptureEngine, started: number): Promise<number> {
  while (engine.queue.pendingIndexing() > 0) await new Promise((r) => setTimeout(r, 20));
  return (performance.now() - started) / 1000;
}

/**
 * CPU the engine's process spends from now, per file: its main thread, and all its threads. Read
 * SETTLE_MS after the last file was queued: work that lags behind the queue (chokidar's own,
 * serialized look at each file did, by seconds in a burst) counts too; an idle engine adds ~nothing.
 */
function cpuMeter() {
  const mainBefore = process.threadCpuUsage();
  const allBefore = process.cpuUsage();
  return {
    async perFileSettled(files: number): Promise<string> {
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const main = process.threadCpuUsage(mainBefore);
      const all = process.cpuUsage(allBefore);
      const us = (usage: NodeJS.CpuUsage) => ((usage.user + usage.system) / files).toFixed(0);
      return `${us(main)} µs / ${us(all)} µs`;
    },
  };
}

/**
 * Files already written elsewhere on the same file system are renamed into the capture folder by
 * another process as fast as it can: what the engine decides per second when arrivals cost the
 * machine next to nothing. With --burst-dirs N they land in N subfolders.
 */
async function burstThroughput(): Promise<void> {
  report('burst: load average (1 min) at the start', loadavg()[0]!.toFixed(2));
  process.stderr.write(
    `burst: ${LIVE} written files renamed in as fast as possible (${BURST_DIRS} folder(s))\n`,
  );
  const { captures, config } = siteConfig('burst');
  const staging = join(root, 'burst', 'staging');
  await writeFiles(staging, LIVE);
  const targets: string[] = [];
  for (let d = 0; d < BURST_DIRS; d++) targets.push(BURST_DIRS === 1 ? captures : join(captures, `in${d}`));
  for (const target of targets) await mkdir(target, { recursive: true });
  execFileSync('sync');
  const engine = new CaptureEngine(config, ENGINE_OPTIONS);
  await engine.start();
  await engine.settled();
  const script = `
    import { renameSync } from 'node:fs';
    const staging = ${JSON.stringify(staging)}, targets = ${JSON.stringify(targets)};
    for (let i = 0; i < ${LIVE}; i++) {
      const name = 'f' + i + '.bin';
      renameSync(staging + '/d' + Math.floor(i / 1000) + '/' + name, targets[i % targets.length] + '/' + name);
    }`;
  const started = performance.now();
  const cpu = cpuMeter();
  // Its own process, and waited for without blocking: the engine must read its events meanwhile.
  await new Promise<void>((resolve, reject) =>
    spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' })
      .on('error', reject)
      .on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`renamer exited with ${code}`)))),
  );
  const renameSeconds = (performance.now() - started) / 1000;
  await waitFor('burst', () => engine.queue.counts().queued, LIVE);
  const seconds = (performance.now() - started) / 1000;
  const used = await cpu.perFileSettled(LIVE);
  await engine.stop();
  const where = BURST_DIRS === 1 ? 'one folder' : `${BURST_DIRS} folders`;
  report(`burst (${where}): files renamed in`, `${(LIVE / renameSeconds).toFixed(0)} files/s`);
  report(
    `burst (${where}): files decided and queued`,
    `${(LIVE / seconds).toFixed(0)} files/s (${seconds.toFixed(1)} s)`,
  );
  report(`burst (${where}): engine CPU per file, main thread / whole process`, used);
}

async function latencyAtRate(): Promise<void> {
  report('latency: load average (1 min) at the start', loadavg()[0]!.toFixed(2));
  const count = RATE * RATE_SECONDS;
  process.stderr.write(`latency: ${count} files at ${RATE}/s, rename → queued\n`);
  const { captures, config } = siteConfig('latency');
  await mkdir(captures, { recursive: true });
  const engine = new CaptureEngine(config, ENGINE_OPTIONS);
  const queuedAt = new Map<string, number>();
  engine.on('change', (changes) => {
    const now = performance.timeOrigin + performance.now();
    for (const change of changes)
      if (change.to === 'queued' && change.relPath) queuedAt.set(change.relPath, now);
  });
  await engine.start();
  await engine.settled();
  const renamedAt = await runWriter(captures, count, RATE);
  await waitFor('latency', () => queuedAt.size, count);
  await engine.stop();
  const latencies: number[] = [];
  for (const [path, at] of renamedAt) {
    const rel = path.slice(captures.length + 1);
    const queued = queuedAt.get(rel);
    if (queued !== undefined) latencies.push(queued - at);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  report(`latency at ${RATE} files/s: rename → queued p50`, `${pct(50).toFixed(1)} ms`);
  report(`latency at ${RATE} files/s: rename → queued p99`, `${pct(99).toFixed(1)} ms`);
  report(`latency at ${RATE} files/s: rename → queued max`, `${latencies.at(-1)!.toFixed(1)} ms`);
}

async function peakRssWithBigQueue(): Promise<void> {
  process.stderr.write(`RSS: engine over a queue of ${ROWS} rows, then ${LIVE} live files\n`);
  const { captures, dataDir, config } = siteConfig('rss');
  await mkdir(captures, { recursive: true });
  const queue = new CaptureQueue(join(dataDir, 'queue.db'), { durability: 'normal' });
  const started = performance.now();
  for (let start = 0; start < ROWS; start += 10_000) {
    queue.transaction(() => {
      for (let i = start; i < Math.min(ROWS, start + 10_000); i++) {
        const relPath = `old/d${Math.floor(i / 1000)}/f${i}.bin`;
        const { id } = queue.discover({
          folderId: 'cam',
          relPath,
          absPath: join(captures, relPath),
          size: FILE_BYTES,
          mtimeMs: 1,
        });
        queue.transition(id, 'skipped', { reason: 'bench filler' });
      }
    });
  }
  queue.prune({ keepEvents: 200_000 });
  queue.close();
  report(
    `RSS: filling the queue with ${ROWS} rows`,
    `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  // A script file, not `-e`: the engine's inspection workers inherit execArgv, and `--input-type` makes
  // every worker fail to start (its files then end `unreadable` and the wait below never ended).
  // The engine starts as `edge-capture` starts it (bin/edge-capture.js): with Node's compile cache, so
  // its TypeScript is loaded already stripped (the stripper added 25–30 MB to this peak across the
  // main thread and the workers; a deployed engine pays that on its first start after an install only). NODE_DISABLE_COMPILE_CACHE=1 measures that
  // first start instead. A warm-up run (a one-file engine) fills the cache with the same V8 flags.
  const engineScript = join(root, 'rss-engine.mjs');
  await writeFile(
    engineScript,
    `
      import { readFileSync } from 'node:fs';
      import { enableCompileCache } from 'node:module';
      const cache = enableCompileCache?.();
      if (cache?.directory && !process.env.NODE_COMPILE_CACHE) process.env.NODE_COMPILE_CACHE = cache.directory;
      const cacheState = cache?.directory ? 'cache on' : 'cache off';
      const { resolveConfig } = await import(${JSON.stringify(join(import.meta.dirname, '..', 'main', 'engine', 'config', 'resolve.ts'))});
      const { CaptureEngine } = await import(${JSON.stringify(join(import.meta.dirname, '..', 'main', 'engine', 'engine.ts'))});
      const [raw, target] = JSON.parse(process.argv[2]);
      const engine = new CaptureEngine(resolveConfig(raw, '(bench)'), ${JSON.stringify(ENGINE_OPTIONS)});
      await engine.start();
      await engine.settled();
      process.stdout.write('ready ' + cacheState + '\\n');
      let last = -1;
      let since = Date.now();
      const timer = setInterval(async () => {
        const c = engine.queue.counts();
        const done = c.queued + c.skipped;
        if (done !== last) { last = done; since = Date.now(); }
        // Also ends when nothing has moved for 15 s (a file never queued), saying how many.
        if (done >= target || Date.now() - since > 15_000) {
          clearInterval(timer);
          const { heapUsed, heapTotal } = process.memoryUsage();
          await engine.stop();
          const hwm = readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\\s+(\\d+)/)[1];
          process.stdout.write('peak ' + hwm + ' missing ' + Math.max(0, target - done) +
            ' heap ' + (heapUsed / 1048576).toFixed(0) + ' of ' + (heapTotal / 1048576).toFixed(0) +
            ' states ' + JSON.stringify(Object.fromEntries(Object.entries(c).filter(([, n]) => n > 0))) + '\\n');
        }
      }, 100);
    `,
  );
  const flags = process.execArgv.filter((flag) => flag.startsWith('--max-'));
  const warm = siteConfig('rss-warm');
  await mkdir(warm.captures, { recursive: true });
  await writeFile(join(warm.captures, 'warm.bin'), Buffer.alloc(FILE_BYTES, 'w'));
  execFileSync(process.execPath, [...flags, engineScript, JSON.stringify([warm.config.raw, 1])], {
    stdio: 'ignore',
  });
  const child = spawn(process.execPath, [...flags, engineScript, JSON.stringify([config.raw, ROWS + LIVE])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  child.stdout.on('data', (chunk) => (text += chunk));
  await new Promise<void>((resolve) => {
    const wait = setInterval(() => {
      if (text.includes('ready')) {
        clearInterval(wait);
        resolve();
      }
    }, 50);
  });
  await runWriter(captures, LIVE, 1_000_000);
  await new Promise((resolve) => child.on('exit', resolve));
  const peak = Number(/peak (\d+)/.exec(text)?.[1] ?? 0) / 1024;
  const cache = /ready (cache \w+)/.exec(text)?.[1] ?? '?';
  const heap = /heap (\d+ of \d+)/.exec(text)?.[1] ?? '?';
  report(
    `RSS: engine peak with ${ROWS} rows + ${LIVE} live files`,
    `${peak.toFixed(0)} MB (compile ${cache}; main-thread JS heap at the end ${heap} MB)`,
  );
  const missing = Number(/missing (\d+)/.exec(text)?.[1] ?? 0);
  if (missing > 0) {
    const states = /states (\{.*\})/.exec(text)?.[1] ?? '?';
    report('RSS: WARNING files never queued', `${missing} of ${LIVE} (queue: ${states})`);
  }
}
