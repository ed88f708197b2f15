import { FILE_STATES } from '../../../shared/status.ts';
import type { ConfigWarning } from '../../engine/config/types.ts';
import { formatBytes, formatDuration } from '../../engine/config/units.ts';
import { HEARTBEAT_MS } from '../../engine/engine.ts';
import { readLinkMemory } from '../../engine/link-memory.ts';
import { engineHoldsLock, lockHolderPid } from '../../engine/lock.ts';
import type { CaptureQueue } from '../../engine/queue/queue.ts';
import { type OperatorPause, readOperatorPause } from '../../engine/runtime-requests.ts';
import { dataDirFromArgs, printJson, queueFromArgs } from '../common.ts';
import { EXIT } from '../errors.ts';
import type { CliArgs } from '../index.ts';
import { formatCount, table } from '../output.ts';

export interface UploadSummary {
  destination: string;
  isLocalDemo: boolean;
  online: boolean;
  pausedFor?: string;
  /** Kept across restarts: set while nothing has succeeded since the store stopped answering. */
  offlineSince?: number;
  /** Kept across restarts. */
  lastSuccessAt?: number;
  lastError?: string;
  bytesPerSecond: number;
  bandwidthLimit?: number;
}

/** One destination as the last heartbeat saw it (with its link memory, kept across restarts). */
export interface DestinationSummary extends UploadSummary {
  name: string;
  isDefault?: boolean;
  nextProbeAt?: number;
  inFlight?: number;
}

export interface EngineLiveness {
  running: boolean;
  /** How `running` was found: the data folder's lock (exact), or the heartbeat's age when the lock cannot be read. */
  by: 'lock' | 'heartbeat';
  pid?: number;
  lastSeen?: number;
  /** Not running, though its last heartbeat said it was: killed, crashed, or the power went. */
  crashed?: boolean;
  capturePaused?: string;
  warnings?: ConfigWarning[];
  upload?: UploadSummary;
  /** Every destination, when the site has several. */
  destinations?: DestinationSummary[];
  /** An operator paused all uploads (kept in the queue, so it holds across restarts). */
  uploadsPaused?: OperatorPause;
}

interface Heartbeat {
  pid: number;
  at: number;
  running: boolean;
  capturePaused?: string;
  warnings?: ConfigWarning[];
  upload?: UploadSummary;
  destinations?: DestinationSummary[];
}

/** Whether an engine runs: asked of the OS lock it holds, so a killed engine is "not running" at once. */
export function liveness(queue: CaptureQueue, dataDir: string, now = Date.now()): EngineLiveness {
  const raw = queue.getMeta('heartbeat');
  const beat = raw ? (JSON.parse(raw) as Heartbeat) : undefined;
  const held = engineHoldsLock(dataDir);
  const running = held ?? (beat?.running === true && now - beat.at < HEARTBEAT_MS * 3);
  const link = readLinkMemory(queue);
  return {
    running,
    by: held === undefined ? 'heartbeat' : 'lock',
    pid: running ? (lockHolderPid(dataDir) ?? beat?.pid) : beat?.pid,
    lastSeen: beat?.at,
    crashed: !running && beat?.running === true,
    capturePaused: beat?.capturePaused,
    uploadsPaused: readOperatorPause(queue),
    warnings: beat?.warnings,
    upload: beat?.upload && {
      ...beat.upload,
      lastSuccessAt: link.lastSuccessAt ?? beat.upload.lastSuccessAt,
      offlineSince: link.offlineSince,
    },
    destinations: beat?.destinations?.map((d) => {
      const memory = readLinkMemory(queue, d.name);
      return {
        ...d,
        lastSuccessAt: memory.lastSuccessAt ?? d.lastSuccessAt,
        offlineSince: memory.offlineSince,
      };
    }),
  };
}

export async function statusCommand(args: CliArgs): Promise<number> {
  const dataDir = await dataDirFromArgs(args);
  const queue = await queueFromArgs(args, dataDir);
  try {
    const now = Date.now();
    const counts = queue.counts();
    const oldest = queue.oldestWaiting();
    const engine = liveness(queue, dataDir, now);
    const recentProblems = queue
      .changesSince(Math.max(0, queue.lastSeq() - 500), 500)
      .filter((change) => change.kind === 'problem')
      .slice(-3);
    const deliveries = queue.deliveries.counts();
    if (args.values.json) {
      printJson({ engine, counts, deliveries, oldestWaiting: oldest ?? null, problems: recentProblems });
    } else {
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const engineLine = engine.running
        ? `running (pid ${engine.pid})`
        : engine.lastSeen
          ? `not running (${engine.crashed ? 'it stopped without shutting down; ' : ''}last seen ${formatDuration(now - engine.lastSeen)} ago)`
          : 'has never run with this data folder';
      const how = engine.by === 'heartbeat' ? ' [judged by its heartbeat: the lock file cannot be read]' : '';
      const rows = FILE_STATES.filter((state) => counts[state] > 0).map((state) => [
        state,
        formatCount(counts[state]),
      ]);
      const lines = [`Engine: ${engineLine}${how}`];
      for (const warning of engine.warnings ?? [])
        lines.push(`WARNING (config ${warning.path}): ${warning.message}`);
      if (engine.running && engine.capturePaused) lines.push(`CAPTURE PAUSED: ${engine.capturePaused}`);
      if (engine.uploadsPaused) {
        lines.push(
          `UPLOADS PAUSED by ${engine.uploadsPaused.by} ${formatDuration(now - engine.uploadsPaused.at)} ago: no upload starts until \`edge-capture resume\` (capture and decisions go on)`,
        );
      }
      if (engine.destinations && engine.destinations.length > 1) {
        lines.push(...destinationLines(engine.destinations, deliveries, engine.running, now));
      } else if (engine.upload) {
        lines.push(uploadLine(engine.upload, engine.running, now));
      }
      lines.push(`Files: ${formatCount(total)}`, table(rows.length ? rows : [['(none)', '']]));
      if (oldest) {
        lines.push(
          `Oldest waiting: ${oldest.folderId}/${oldest.relPath} — ${oldest.state} for ${formatDuration(now - oldest.stateChangedAt)}${oldest.lastError ? ` (last error: ${oldest.lastError})` : ''}`,
        );
      } else {
        lines.push('Nothing is waiting.');
      }
      for (const problem of recentProblems) lines.push(`Problem: ${problem.detail}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return args.values['require-running'] && !engine.running ? EXIT.notRunning : EXIT.ok;
  } finally {
    queue.close();
  }
}

/** One line per destination: its link, last success, speed, then its uploads by state. */
function destinationLines(
  destinations: DestinationSummary[],
  deliveries: Record<string, Partial<Record<string, number>>>,
  running: boolean,
  now: number,
): string[] {
  const lines = [
    `Uploads to ${destinations.length} destinations${running ? '' : ' (when the engine last ran)'}:`,
  ];
  const rows = destinations.map((d) => {
    const counts = deliveries[d.name] ?? {};
    const byState = ['queued', 'uploading', 'failed', 'uploaded', 'conflict', 'quarantined']
      .filter((state) => (counts[state] ?? 0) > 0)
      .map((state) => `${state} ${formatCount(counts[state] ?? 0)}`)
      .join(', ');
    return [
      `${d.name}${d.isDefault ? ' (default)' : ''}`,
      uploadLine(d, running, now).replace(/^Uploads( \(when the engine last ran\))?: /, ''),
      byState || 'nothing sent yet',
    ];
  });
  lines.push(table(rows));
  return lines;
}

function uploadLine(upload: UploadSummary, running: boolean, now: number): string {
  const where = upload.isLocalDemo
    ? 'the LOCAL DEMO STORE (data has not left this machine)'
    : upload.destination;
  const last = upload.lastSuccessAt
    ? `last upload ${formatDuration(now - upload.lastSuccessAt)} ago`
    : 'nothing uploaded yet';
  const outage = upload.offlineSince
    ? ` for ${formatDuration(now - upload.offlineSince)} (since ${new Date(upload.offlineSince).toISOString()})`
    : '';
  const error = upload.lastError ? `; last error: ${upload.lastError}` : '';
  if (!running) {
    const state = upload.offlineSince ? `the store was not answering${outage}` : 'the store answered';
    return `Uploads (when the engine last ran): ${state} at ${where}; ${last}${error}`;
  }
  if (!upload.online) return `Uploads: OFFLINE${outage} to ${where}; ${last}${error}`;
  if (upload.offlineSince) {
    // Restarted during an outage and not tried since: the outage is not over until something succeeds.
    return `Uploads: not re-checked since the engine restarted; ${where} was not answering${outage}; ${last}${error}`;
  }
  const speed = upload.bytesPerSecond > 0 ? `, ${formatBytes(upload.bytesPerSecond)}/s` : '';
  const limit = upload.bandwidthLimit ? ` (limit ${formatBytes(upload.bandwidthLimit)}/s)` : '';
  return `Uploads: online to ${where}; ${last}${speed}${limit}`;
}
