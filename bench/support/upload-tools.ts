/**
 * Runs one upload by one tool (Edge Capture, rclone, aws) under /usr/bin/time, so every tool's
 * wall time, CPU time and peak RSS are measured the same way.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineChildJob, EngineChildResult } from './upload-engine-child.ts';
import type { BenchStore } from './upload-store.ts';

export const TIME = '/usr/bin/time';
export const RCLONE = '/usr/bin/rclone';
/** Debian's awscli, not a pyenv shim that may come earlier on PATH. */
export const AWS = '/usr/bin/aws';

export interface TransferSettings {
  concurrency: number;
  partConcurrency: number;
  partSize: number;
  multipartThreshold: number;
}

export interface UploadJob {
  store: BenchStore;
  bucket: string;
  /** The folder whose files (recursively) go up. */
  source: string;
  files: number;
  settings: TransferSettings;
  /** A scratch folder of this run's own (configs, the engine's data dir, the time output). */
  work: string;
  /** Edge Capture's queue durability: `full` (its default) or `normal`. */
  durability: 'full' | 'normal';
  /** Fan-out: Edge Capture also sends every file to this folder (a second destination, a filesystem share). */
  share?: string;
}

export interface ToolRun {
  /** Start of the upload until all objects are stored. */
  seconds: number;
  /** Edge Capture with several destinations: start until each one had every file. */
  destinationSeconds?: Record<string, number>;
  peakRssMb: number;
  /** User + system CPU seconds of the tool's process. */
  cpuSeconds: number;
  /** CPU seconds the S3 server spent meanwhile (set by the caller, which watches the server). */
  serverCpuSeconds?: number;
  /** Anything worth printing beside the figures. */
  notes: string[];
}

interface Timed {
  wallSeconds: number;
  peakRssMb: number;
  cpuSeconds: number;
  stdout: string;
}

/** The environment minus anything that would change how a tool talks to the store. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // An inherited CA bundle makes rclone fail on a plain-http endpoint, and would be unfair to one tool only.
  for (const name of Object.keys(env)) if (/^(AWS_|RCLONE_)/.test(name)) delete env[name];
  return { ...env, ...extra };
}

/** Runs `command` under /usr/bin/time; rejects with its stderr when it exits non-zero. */
async function timed(work: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Timed> {
  const timeFile = join(work, 'time.txt');
  const started = performance.now();
  const child = spawn(TIME, ['-f', '%M %U %S', '-o', timeFile, command, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const wallSeconds = (performance.now() - started) / 1000;
  if (code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${stderr.slice(-2000)}`);
  }
  const [rssKb, user, system] = (await readFile(timeFile, 'utf8')).trim().split('\n').at(-1)!.split(' ');
  return {
    wallSeconds,
    peakRssMb: Number(rssKb) / 1024,
    cpuSeconds: Number(user) + Number(system),
    stdout,
  };
}

/** rclone's size flags read a bare number as KiB: say bytes. */
const rcloneSize = (bytes: number) => `${bytes}B`;

export async function runRclone(job: UploadJob): Promise<ToolRun> {
  const { store, settings } = job;
  const env = cleanEnv({
    RCLONE_CONFIG_BENCH_TYPE: 's3',
    RCLONE_CONFIG_BENCH_PROVIDER: store.kind === 'rgw' ? 'Ceph' : 'Other',
    RCLONE_CONFIG_BENCH_ENDPOINT: store.endpoint,
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: store.accessKeyId,
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: store.secretAccessKey,
    RCLONE_CONFIG_BENCH_REGION: store.region,
    RCLONE_CONFIG: join(job.work, 'rclone.conf'), // none: everything comes from the variables above
  });
  const args = [
    'copy',
    job.source,
    `bench:${job.bucket}`,
    '--transfers',
    String(settings.concurrency),
    '--s3-upload-concurrency',
    String(settings.partConcurrency),
    '--s3-chunk-size',
    rcloneSize(settings.partSize),
    '--s3-upload-cutoff',
    rcloneSize(settings.multipartThreshold),
    '--stats',
    '0',
    '--quiet',
  ];
  const run = await timed(job.work, RCLONE, args, env);
  return {
    seconds: run.wallSeconds,
    peakRssMb: run.peakRssMb,
    cpuSeconds: run.cpuSeconds,
    notes: [],
  };
}

/** aws-cli 2.23 added AWS_REQUEST_CHECKSUM_CALCULATION; older ones send no extra checksums anyway. */
function knowsChecksumSetting(version: string): boolean {
  const [major = 0, minor = 0] = (/aws-cli\/(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
  return major > 2 || (major === 2 && minor >= 23);
}

export async function awsVersion(work: string): Promise<string> {
  await mkdir(work, { recursive: true });
  return (await timed(work, AWS, ['--version'], cleanEnv({}))).stdout.trim();
}

/**
 * `maxConcurrentRequests` is the whole CLI's request budget (files and parts together): the
 * caller gives it the number of requests Edge Capture has in flight for the same job.
 */
export async function runAws(
  job: UploadJob,
  maxConcurrentRequests: number,
  version: string,
): Promise<ToolRun> {
  const { store, settings } = job;
  const configFile = join(job.work, 'aws.config');
  await writeFile(
    configFile,
    [
      '[default]',
      `region = ${store.region}`,
      's3 =',
      `  max_concurrent_requests = ${maxConcurrentRequests}`,
      `  multipart_threshold = ${settings.multipartThreshold}`,
      `  multipart_chunksize = ${settings.partSize}`,
      '',
    ].join('\n'),
  );
  const env = cleanEnv({
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: join(job.work, 'no-credentials'),
    AWS_ACCESS_KEY_ID: store.accessKeyId,
    AWS_SECRET_ACCESS_KEY: store.secretAccessKey,
    ...(knowsChecksumSetting(version) ? { AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required' } : {}),
  });
  const args = [
    '--endpoint-url',
    store.endpoint,
    's3',
    'cp',
    '--recursive',
    '--no-progress',
    '--only-show-errors',
    job.source,
    `s3://${job.bucket}`,
  ];
  const run = await timed(job.work, AWS, args, env);
  return {
    seconds: run.wallSeconds,
    peakRssMb: run.peakRssMb,
    cpuSeconds: run.cpuSeconds,
    notes: [],
  };
}

export interface EngineRunOptions {
  /** Write a V8 CPU profile of the engine process into this folder. */
  cpuProfileDir?: string;
  timeoutMs?: number;
}

/** The config a site would write: one folder, one rule uploading everything, keep local copies. */
export function engineConfig(job: UploadJob): unknown {
  const { settings } = job;
  return {
    site: 'bench',
    device: 'bench-device',
    dataDir: join(job.work, 'engine-data'),
    durability: job.durability,
    folders: [{ id: 'bench', path: job.source, completion: 'rename' }],
    reconcileInterval: 0,
    rules: [{ name: 'everything', action: 'upload' }],
    ...destinations(job),
    upload: {
      concurrency: settings.concurrency,
      partConcurrency: settings.partConcurrency,
      partSize: settings.partSize,
      multipartThreshold: settings.multipartThreshold,
    },
    retention: { afterUpload: 'keep' },
  };
}

/** One S3 destination, or (fan-out) the bucket and a filesystem share, both defaults. */
function destinations(job: UploadJob): Record<string, unknown> {
  const { store } = job;
  const s3 = {
    type: 's3',
    endpoint: store.endpoint,
    region: store.region,
    bucket: job.bucket,
    forcePathStyle: true,
    credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey },
  };
  if (!job.share) return { destination: s3 };
  return {
    destinations: [
      { name: 'store', default: true, ...s3 },
      { name: 'share', default: true, type: 'filesystem', path: job.share },
    ],
  };
}

/** Where the launcher's module.enableCompileCache() keeps stripped sources by default. */
const COMPILE_CACHE = join(tmpdir(), 'node-compile-cache');
let warmed = false;
/** Once per bench: load the engine and start an inspection worker, so their stripped code is cached. */
function warmCompileCache(child: string, env: NodeJS.ProcessEnv): void {
  if (warmed) return;
  execFileSync(process.execPath, [child, '--warm'], { env, stdio: 'ignore' });
  warmed = true;
}

export async function runEdgeCapture(job: UploadJob, options: EngineRunOptions = {}): Promise<ToolRun> {
  const jobFile = join(job.work, 'engine-job.json');
  const childJob: EngineChildJob = {
    config: engineConfig(job),
    expected: job.files,
    timeoutMs: options.timeoutMs ?? 30 * 60_000,
  };
  await writeFile(jobFile, JSON.stringify(childJob));
  const child = join(import.meta.dirname, 'upload-engine-child.ts');
  // The same V8 flag and compile cache the edge-capture launcher uses (bin/edge-capture.js): a
  // started engine loads its TypeScript stripped already, as every start after the first does.
  const env = cleanEnv({ NODE_COMPILE_CACHE: COMPILE_CACHE });
  warmCompileCache(child, env);
  const nodeArgs = ['--max-semi-space-size=4'];
  if (options.cpuProfileDir) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir);
  const run = await timed(job.work, process.execPath, [...nodeArgs, child, jobFile], env);
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as EngineChildResult;
  const uploaded = (result.counts['uploaded'] ?? 0) + (result.counts['retained'] ?? 0);
  const notes = [
    `inspect+decide done at ${result.decidedSeconds?.toFixed(1) ?? '?'} s`,
    `node start+load ${(run.wallSeconds - result.seconds).toFixed(1)} s before engine.start() (not counted)`,
    `VmHWM ${(result.peakKb / 1024).toFixed(0)} MB`,
  ];
  if (result.timedOut || uploaded < job.files) {
    const states = Object.entries(result.counts).filter(([, n]) => n > 0);
    notes.push(
      `WARNING only ${uploaded} of ${job.files} uploaded: ${JSON.stringify(Object.fromEntries(states))}`,
    );
    if (result.lastError) notes.push(`last error: ${result.lastError}`);
  }
  return {
    seconds: result.seconds,
    destinationSeconds: result.destinationSeconds,
    peakRssMb: run.peakRssMb,
    cpuSeconds: run.cpuSeconds,
    notes,
  };
}

export function missingTools(): string[] {
  return [TIME, RCLONE, AWS].filter((path) => !existsSync(path));
}
