/** The upload benchmark's printed result: one side-by-side table, then the settings behind it. */
import { formatBytes } from '../../main/engine/config/units.ts';
import type { ToolRun, TransferSettings } from './upload-tools.ts';

export type Tool = 'edge' | 'rclone' | 'aws';
export type CaseId = 'small' | 'big';
export const TOOL_NAMES: Record<Tool, string> = {
  edge: 'Edge Capture',
  rclone: 'rclone copy',
  aws: 'aws s3 cp',
};

export type Outcome = { runs: ToolRun[] } | { error: string };

export interface ReportContext {
  tools: Tool[];
  files: number;
  fileBytes: number;
  bigBytes: number;
  rounds: number;
  settings: TransferSettings;
  durability: string;
  serverLabel: string;
  rcloneVersion: string;
  awsVersion: string;
  /** `${tool}/${case}` → outcome. */
  results: Map<string, Outcome>;
}

/** The run with the median wall time (of two, the faster), with the highest peak RSS of all rounds. */
export function representative(runs: ToolRun[]): ToolRun {
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return { ...median, peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)) };
}

export function rate(run: ToolRun, caseId: CaseId, ctx: Pick<ReportContext, 'files' | 'bigBytes'>): string {
  return caseId === 'small'
    ? `${(ctx.files / run.seconds).toFixed(0)} objects/s`
    : `${(ctx.bigBytes / 1e6 / run.seconds).toFixed(1)} MB/s`;
}

const serverCpu = (run: ToolRun) => run.serverCpuSeconds?.toFixed(1) ?? '?';

export function formatReport(ctx: ReportContext): string {
  const { settings } = ctx;
  const pick = (tool: Tool, id: CaseId, show: (run: ToolRun) => string) => {
    const outcome = ctx.results.get(`${tool}/${id}`);
    if (!outcome) return '-';
    return 'error' in outcome ? 'FAILED' : show(representative(outcome.runs));
  };
  const small = `${ctx.files}×${formatBytes(ctx.fileBytes).replace(' ', '')}`;
  const big = formatBytes(ctx.bigBytes).replace(' ', '');
  const header = [
    'tool',
    `${small} objects/s`,
    `${big} MB/s`,
    `peak RSS MiB (${small} / ${big})`,
    `CPU s (${small} / ${big})`,
    `server CPU s (${small} / ${big})`,
  ];
  const rows = ctx.tools.map((tool) => [
    TOOL_NAMES[tool],
    pick(tool, 'small', (r) => (ctx.files / r.seconds).toFixed(0)),
    pick(tool, 'big', (r) => (ctx.bigBytes / 1e6 / r.seconds).toFixed(1)),
    `${pick(tool, 'small', (r) => r.peakRssMb.toFixed(0))} / ${pick(tool, 'big', (r) => r.peakRssMb.toFixed(0))}`,
    `${pick(tool, 'small', (r) => r.cpuSeconds.toFixed(1))} / ${pick(tool, 'big', (r) => r.cpuSeconds.toFixed(1))}`,
    `${pick(tool, 'small', serverCpu)} / ${pick(tool, 'big', serverCpu)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const part = formatBytes(settings.partSize);
  const threshold = formatBytes(settings.multipartThreshold);

  const out = [
    '',
    `Upload benchmark (${new Date().toISOString()}, node ${process.version}, server: ${ctx.serverLabel})`,
    ...(ctx.rounds > 1
      ? [`(the run with the median time of ${ctx.rounds} rounds; peak RSS is the highest of all rounds)`]
      : []),
    line(header),
    ...rows.map(line),
    '',
    'Settings:',
    `  concurrency ${settings.concurrency} files, ${settings.partConcurrency} parts per file, part size ${part}, multipart from ${threshold}`,
    '  Edge Capture: the engine in a child node process, timed from engine.start() until the queue shows every',
    '    file uploaded/retained. That includes the catch-up scan and inspection (sha256 of every byte, content',
    `    sniffing, PII scan of the CSV text), the SQLite queue (durability ${ctx.durability}), and per object`,
    '    HEAD (is the key free?) + PUT with Content-MD5 + HEAD (verify size and sha256 metadata).',
    `  rclone copy (${ctx.rcloneVersion}): --transfers ${settings.concurrency} --s3-upload-concurrency ${settings.partConcurrency}`,
    `    --s3-chunk-size ${settings.partSize}B --s3-upload-cutoff ${settings.multipartThreshold}B; default checksums (Content-MD5`,
    '    on PUTs, a whole-file MD5 read before a multipart upload) and its default HEAD after each PUT.',
    `  aws s3 cp --recursive (${ctx.awsVersion}):`,
    `    max_concurrent_requests ${settings.concurrency} for the small files, ${settings.partConcurrency} for the big file (the CLI's one`,
    '    budget covers files and parts alike: matched to what Edge Capture has in flight), multipart_threshold',
    `    ${threshold}, multipart_chunksize ${part}; one PUT per small file.`,
    '  The CLIs are timed from process start to exit (their start-up included). Every tool uploads into its own',
    '  fresh bucket; objects and bytes are counted after each run, then deleted (and RGW garbage-collected).',
    "  Peak RSS and CPU s (user+sys): /usr/bin/time -f '%M %U %S' on the tool's process; server CPU s: what the",
    "  S3 server's processes used meanwhile (/proc/PID/stat), i.e. the load each tool puts on the store.",
    '  Machine: 2 cores, shared with the S3 server. A run during which other processes used more than a tenth',
    '  of a core gets a WARNING note: its figures are not to be trusted.',
  ];
  const notes = [...ctx.results].flatMap(([key, o]) => {
    if ('error' in o) return [`  ${key}: FAILED ${o.error}`];
    // The reported run's notes, and any warning from the other rounds.
    const shown = representative(o.runs);
    const warnings = o.runs
      .filter((r) => r.seconds !== shown.seconds)
      .flatMap((r) => r.notes.filter((n) => n.startsWith('WARNING')));
    const all = [...shown.notes, ...warnings];
    return all.length > 0 ? [`  ${key}: ${all.join('; ')}`] : [];
  });
  if (notes.length > 0) out.push('Notes:', ...notes);
  return out.join('\n');
}
