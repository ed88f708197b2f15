/**
 * Runs Edge Capture's engine over one capture folder until every file is uploaded, in its own
 * process so its memory is its own. Started by upload-tools.ts as
 *   node upload-engine-child.ts JOB.json
 * and answers with one line of JSON (EngineChildResult) on stdout.
 */
import { readFileSync } from 'node:fs';
import { resolveConfig } from '../../main/engine/config/resolve.ts';
import { CaptureEngine } from '../../main/engine/engine.ts';
import { createInspector } from '../../main/engine/inspect/index.ts';

export interface EngineChildJob {
  /** The config document, as a user would write it. */
  config: unknown;
  expected: number;
  timeoutMs: number;
}

export interface EngineChildResult {
  /** engine.start() until the queue shows every file uploaded (and retained). */
  seconds: number;
  /** engine.start() until every file was inspected and decided (queued or further on). */
  decidedSeconds: number | undefined;
  counts: Record<string, number>;
  /** Per destination: engine.start() until it had every file (its own objects/s). */
  destinationSeconds: Record<string, number>;
  lastError: string | undefined;
  /** VmHWM of this process after the engine stopped, in kB. */
  peakKb: number;
  timedOut: boolean;
}

const WARM_CONFIG = {
  site: 'warm',
  device: 'warm',
  dataDir: '/nonexistent',
  folders: [{ id: 'warm', path: import.meta.dirname }],
  rules: [{ name: 'everything', action: 'upload' }],
};

/** counts() is a GROUP BY over the whole queue: often enough to time a run, rarely enough to cost ~nothing. */
const POLL_MS = 100;
const UPLOADED = ['uploaded', 'retained', 'removed'];
const UNDECIDED = ['discovered', 'inspected'];
/** States a file does not leave by itself: waiting longer will not get it uploaded. */
const STUCK = ['quarantined', 'conflict', 'unreadable', 'too_large', 'vanished', 'held', 'skipped'];

const sum = (counts: Record<string, number>, states: string[]) =>
  states.reduce((n, state) => n + (counts[state] ?? 0), 0);
const total = (counts: Record<string, number>) => Object.values(counts).reduce((n, c) => n + c, 0);

const jobPath = process.argv[2];
if (!jobPath) throw new Error('usage: node upload-engine-child.ts JOB.json | --warm');
if (jobPath === '--warm') {
  // Loads what a run loads, an inspection worker included, so NODE_COMPILE_CACHE holds it all.
  const inspector = await createInspector(resolveConfig(WARM_CONFIG, '(warm)').inspect, { workers: 1 });
  await inspector.inspect({ folderId: 'warm', absPath: import.meta.filename, relPath: 'warm.ts' });
  await inspector.close();
  process.exit(0);
}
const job = JSON.parse(readFileSync(jobPath, 'utf8')) as EngineChildJob;
const engine = new CaptureEngine(resolveConfig(job.config, '(bench)'));

const started = performance.now();
await engine.start();
let decidedSeconds: number | undefined;
let timedOut = false;
let counts = engine.queue.counts() as Record<string, number>;
const destinationSeconds: Record<string, number> = {};
for (;;) {
  counts = engine.queue.counts() as Record<string, number>;
  const elapsed = performance.now() - started;
  for (const d of engine.destinationStatuses()) {
    if (destinationSeconds[d.name] === undefined && (d.counts.uploaded ?? 0) >= job.expected) {
      destinationSeconds[d.name] = elapsed / 1000;
    }
  }
  if (decidedSeconds === undefined && total(counts) >= job.expected && sum(counts, UNDECIDED) === 0) {
    decidedSeconds = elapsed / 1000;
  }
  if (sum(counts, UPLOADED) + sum(counts, STUCK) >= job.expected) break;
  if (elapsed > job.timeoutMs) {
    timedOut = true;
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, POLL_MS));
}
const seconds = (performance.now() - started) / 1000;
const lastError = engine.uploadStatus()?.lastError;
await engine.stop();
const peakKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
const result: EngineChildResult = {
  seconds,
  decidedSeconds,
  counts,
  destinationSeconds,
  lastError,
  peakKb,
  timedOut,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
