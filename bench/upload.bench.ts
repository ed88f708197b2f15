/**
 * Upload benchmark: Edge Capture vs `rclone copy` vs `aws s3 cp --recursive`, in one run against
 * the same local S3 server (a real Ceph RGW by default), each tool into its own fresh bucket.
 *   node bench/upload.bench.ts [--files 10000] [--file-size 4KiB] [--big 1GiB] [--concurrency 16]
 *     [--part-concurrency 4] [--part-size 16MiB] [--multipart-threshold 64MiB] [--rounds 1]
 *     [--server rgw|s3rver] [--tools edge,rclone,aws] [--cases small,big,fanout]
 *     [--durability full|normal] [--profile]
 * Measures objects/s for many small files, MB/s for one big file, and each tool's peak RSS and
 * CPU time (/usr/bin/time). `fanout` (Edge Capture only): the same small files sent to two
 * destinations at once, the RGW bucket and a filesystem share, with objects/s for each. --profile adds one more Edge Capture run per case under
 * `node --cpu-prof` (not counted in the table) and prints where its CPU time went.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { formatBytes, parseSize } from '../main/engine/config/units.ts';
import { cpuSnapshot, foreignCpuSeconds, serverCpuSeconds } from './support/cpu-meter.ts';
import { formatSummary, summarizeProfile } from './support/cpu-profile.ts';
import { writeBigFile, writeSmallFiles } from './support/upload-data.ts';
import {
  type CaseId,
  formatReport,
  type Outcome,
  rate,
  TOOL_NAMES,
  type Tool,
} from './support/upload-report.ts';
import {
  type BenchStore,
  bucketContents,
  createBucket,
  dropBucket,
  type ServerKind,
  startStore,
} from './support/upload-store.ts';
import {
  awsVersion,
  missingTools,
  RCLONE,
  runAws,
  runEdgeCapture,
  runRclone,
  type ToolRun,
  type TransferSettings,
  type UploadJob,
} from './support/upload-tools.ts';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '10000' },
    'file-size': { type: 'string', default: '4KiB' },
    big: { type: 'string', default: '1GiB' },
    concurrency: { type: 'string', default: '16' },
    'part-concurrency': { type: 'string', default: '4' },
    'part-size': { type: 'string', default: '16MiB' },
    'multipart-threshold': { type: 'string', default: '64MiB' },
    rounds: { type: 'string', default: '1' },
    server: { type: 'string', default: 'rgw' },
    tools: { type: 'string', default: 'edge,rclone,aws' },
    cases: { type: 'string', default: 'small,big,fanout' },
    durability: { type: 'string', default: 'full' },
    profile: { type: 'boolean', default: false },
  },
});

type StringFlag = Exclude<keyof typeof values, 'profile'>;
function size(flag: StringFlag): number {
  const bytes = parseSize(values[flag]);
  if (bytes === undefined || bytes <= 0) {
    throw new Error(`--${flag}: "${values[flag]}" is not a size; use bytes or e.g. 4KiB, 16MiB, 1GiB`);
  }
  return bytes;
}
function count(flag: StringFlag): number {
  const n = Number(values[flag]);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`--${flag}: "${values[flag]}" is not a whole number > 0`);
  return n;
}
function list<T extends string>(flag: StringFlag, allowed: readonly T[]): T[] {
  const items = values[flag].split(',').map((item) => item.trim());
  for (const item of items) {
    if (!allowed.includes(item as T))
      throw new Error(`--${flag}: unknown "${item}"; use ${allowed.join(', ')}`);
  }
  return items as T[];
}

const server = list<ServerKind>('server', ['rgw', 's3rver'])[0]!;
const tools = list<Tool>('tools', ['edge', 'rclone', 'aws']);
const askedCases = list<CaseId | 'fanout'>('cases', ['small', 'big', 'fanout']);
const wantedCases = askedCases.filter((c): c is CaseId => c !== 'fanout');
const wantFanOut = askedCases.includes('fanout') && tools.includes('edge');
const durability = list<'full' | 'normal'>('durability', ['full', 'normal'])[0]!;
const ROUNDS = count('rounds');
const FILES = count('files');
const FILE_BYTES = size('file-size');
const BIG_BYTES = size('big');
const settings: TransferSettings = {
  concurrency: count('concurrency'),
  partConcurrency: count('part-concurrency'),
  partSize: size('part-size'),
  multipartThreshold: size('multipart-threshold'),
};
const missing = missingTools();
if (missing.length > 0) {
  throw new Error(`missing ${missing.join(', ')}: apt-get install time rclone awscli (Debian packages)`);
}

interface Case {
  id: CaseId;
  source: string;
  files: number;
  bytes: number;
}

const progress = (text: string) => process.stderr.write(`${text}\n`);
const results = new Map<string, Outcome>();
const root = await mkdtemp(join(tmpdir(), 'edge-upload-bench-'));
// Ctrl-C: exit normally, so the RGW's exit hook stops its daemons and the data goes too.
process.once('exit', () => rmSync(root, { recursive: true, force: true }));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
const cases: Case[] = [
  { id: 'small', source: join(root, 'small'), files: FILES, bytes: FILES * FILE_BYTES },
  { id: 'big', source: join(root, 'big'), files: 1, bytes: BIG_BYTES },
];
let awsVersionText = '';
let store: BenchStore | undefined;
try {
  const measured = cases.filter((c) => wantedCases.includes(c.id));
  const profiled = values.profile && tools.includes('edge') ? measured : [];
  if (measured.some((c) => c.id === 'small') || wantFanOut) {
    progress(`writing ${FILES} × ${formatBytes(FILE_BYTES)} files`);
    await writeSmallFiles(cases[0]!.source, FILES, FILE_BYTES);
  }
  if (measured.some((c) => c.id === 'big')) {
    progress(`writing one ${formatBytes(BIG_BYTES)} file`);
    await mkdir(cases[1]!.source);
    await writeBigFile(join(cases[1]!.source, 'big.bin'), BIG_BYTES);
  }
  execFileSync('sync'); // no writeback competing with the first tool; every tool reads from page cache
  awsVersionText = await awsVersion(join(root, 'aws-version'));

  progress(`starting ${server}`);
  store = await startStore(server);
  await warmUp(store);

  for (const c of measured) {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const tool of tools) await measure(store, tool, c, round);
    }
  }
  const fanOut = wantFanOut ? await measureFanOut(store, cases[0]!) : undefined;
  const profiles: string[] = [];
  for (const c of profiled) profiles.push(await profileEngine(store, c));

  process.stdout.write(
    `${formatReport({
      tools,
      files: FILES,
      fileBytes: FILE_BYTES,
      bigBytes: BIG_BYTES,
      rounds: ROUNDS,
      settings,
      durability,
      serverLabel:
        server === 'rgw'
          ? 'Ceph RGW 16.2, memstore OSD, on loopback'
          : 's3rver on loopback, inside the bench process',
      rcloneVersion: execFileSync(RCLONE, ['version']).toString().split('\n')[0]!.trim(),
      awsVersion: awsVersionText,
      results,
    })}\n`,
  );
  if (fanOut) process.stdout.write(`\n${fanOut}\n`);
  for (const text of profiles) process.stdout.write(`\n${text}\n`);
} finally {
  await store?.stop();
  await rm(root, { recursive: true, force: true });
}

/** A few requests first, so the first tool measured does not pay for a cold server. */
async function warmUp(s: BenchStore): Promise<void> {
  await createBucket(s, 'bench-warmup');
  for (let i = 0; i < 200; i += 20) {
    await Promise.all(
      Array.from({ length: 20 }, (_, j) =>
        s.client.send(new PutObjectCommand({ Bucket: 'bench-warmup', Key: `w${i + j}`, Body: 'x' })),
      ),
    );
  }
  await dropBucket(s, 'bench-warmup');
}

async function uploadJob(s: BenchStore, c: Case, bucket: string): Promise<UploadJob> {
  const work = join(root, 'runs', bucket);
  await mkdir(work, { recursive: true });
  await createBucket(s, bucket);
  return { store: s, bucket, source: c.source, files: c.files, settings, work, durability };
}

function runTool(tool: Tool, upload: UploadJob, c: Case): Promise<ToolRun> {
  if (tool === 'edge') return runEdgeCapture(upload);
  if (tool === 'rclone') return runRclone(upload);
  // The CLI's one budget covers files and parts alike: match what Edge Capture has in flight —
  // `concurrency` files for many small files, `partConcurrency` parts for the one big file.
  return runAws(upload, c.id === 'small' ? settings.concurrency : settings.partConcurrency, awsVersionText);
}

/** One tool, one case, one round, into a fresh bucket that is emptied and deleted afterwards. */
async function measure(s: BenchStore, tool: Tool, c: Case, round: number): Promise<void> {
  const key = `${tool}/${c.id}`;
  const bucket = `bench-${tool}-${c.id}-${round}`;
  const upload = await uploadJob(s, c, bucket);
  try {
    const before = cpuSnapshot(s.serverPids);
    const run = await runTool(tool, upload, c);
    const after = cpuSnapshot(s.serverPids);
    // s3rver runs inside this process, which otherwise only waits for the tool.
    run.serverCpuSeconds =
      s.serverPids.length > 0 ? serverCpuSeconds(before, after) : after.bench - before.bench;
    const foreign = foreignCpuSeconds(before, after, run.cpuSeconds);
    // A tenth of a core of someone else's work (beyond noise) is enough to move the figures.
    if (foreign > 0.5 + 0.1 * run.seconds) {
      run.notes.push(
        `WARNING other processes used ${foreign.toFixed(1)} CPU s during this ${run.seconds.toFixed(1)} s run`,
      );
    }
    const stored = await bucketContents(s, bucket);
    if (stored.objects !== c.files || stored.bytes !== c.bytes) {
      run.notes.push(
        `WARNING bucket holds ${stored.objects} objects / ${stored.bytes} B, expected ${c.files} / ${c.bytes} B`,
      );
    }
    const earlier = results.get(key);
    if (!earlier || !('error' in earlier)) results.set(key, { runs: [...(earlier?.runs ?? []), run] });
    const server =
      run.serverCpuSeconds === undefined ? '' : `, server CPU ${run.serverCpuSeconds.toFixed(1)} s`;
    const detail = `${run.seconds.toFixed(2)} s, peak RSS ${run.peakRssMb.toFixed(0)} MiB, CPU ${run.cpuSeconds.toFixed(1)} s${server}`;
    progress(
      `  ${TOOL_NAMES[tool]} ${c.id} #${round}: ${rate(run, c.id, { files: FILES, bigBytes: BIG_BYTES })} (${detail}) ${run.notes.join('; ')}`,
    );
  } catch (error) {
    const message = (error as Error).message.split('\n').slice(0, 3).join(' ');
    results.set(key, { error: message });
    progress(`  ${TOOL_NAMES[tool]} ${c.id} #${round}: FAILED ${message}`);
  } finally {
    await dropBucket(s, bucket);
    const rss = s.storeRssMb();
    if (rss !== undefined) progress(`    (bucket deleted; OSD RSS now ${rss.toFixed(0)} MB)`);
  }
}

/**
 * Edge Capture sends the small files to two destinations at once: the RGW bucket and a filesystem
 * share (a folder on this disk). Each file is read and inspected once and uploaded to each; the
 * figure per destination is its files over the time until it had the last one.
 */
async function measureFanOut(s: BenchStore, c: Case): Promise<string> {
  const bucket = 'bench-edge-fanout';
  const upload = await uploadJob(s, c, bucket);
  const share = join(upload.work, 'share');
  await mkdir(share, { recursive: true });
  progress(`Edge Capture fan-out: ${c.files} files to the bucket and a filesystem share`);
  try {
    const run = await runEdgeCapture({ ...upload, share });
    const stored = await bucketContents(s, bucket);
    const perDestination = Object.entries(run.destinationSeconds ?? {}).map(
      ([name, seconds]) => `${name} ${(c.files / seconds).toFixed(0)} objects/s (${seconds.toFixed(1)} s)`,
    );
    const lines = [
      `== Two destinations (${server === 'rgw' ? 'Ceph RGW bucket' : 's3rver bucket'} + filesystem share), ${c.files} × ${formatBytes(FILE_BYTES)} to both, concurrency ${settings.concurrency} per destination:`,
      `   ${perDestination.join('; ')}`,
      `   both done: ${run.seconds.toFixed(1)} s = ${(c.files / run.seconds).toFixed(0)} files/s (${((2 * c.files) / run.seconds).toFixed(0)} objects/s over both); peak RSS ${run.peakRssMb.toFixed(0)} MiB, CPU ${run.cpuSeconds.toFixed(1)} s`,
      `   bucket holds ${stored.objects} objects; ${run.notes.join('; ')}`,
    ];
    progress(lines.join('\n'));
    return lines.join('\n');
  } catch (error) {
    const message = (error as Error).message.split('\n').slice(0, 3).join(' ');
    progress(`  fan-out FAILED ${message}`);
    return `== Two destinations: FAILED ${message}`;
  } finally {
    await dropBucket(s, bucket);
  }
}

async function profileEngine(s: BenchStore, c: Case): Promise<string> {
  const bucket = `bench-edge-profile-${c.id}`;
  const upload = await uploadJob(s, c, bucket);
  const dir = join(upload.work, 'profile');
  await mkdir(dir, { recursive: true });
  progress(`profiling Edge Capture, ${c.id} case (node --cpu-prof; not in the table)`);
  try {
    const run = await runEdgeCapture(upload, { cpuProfileDir: dir });
    const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'));
    if (!file) return `CPU profile (${c.id}): node wrote no .cpuprofile`;
    const summary = await summarizeProfile(join(dir, file), join(import.meta.dirname, '..'));
    const what = c.id === 'small' ? `${c.files} × ${formatBytes(FILE_BYTES)}` : formatBytes(BIG_BYTES);
    return [
      `== ${what}: profiled run ${rate(run, c.id, { files: FILES, bigBytes: BIG_BYTES })}, ${run.cpuSeconds.toFixed(1)} CPU s`,
      formatSummary(summary),
    ].join('\n');
  } finally {
    await dropBucket(s, bucket);
  }
}
