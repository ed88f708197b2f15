import { FILE_STATES } from '../../../shared/status.ts';
import { formatBytes, formatDuration } from '../../engine/config/units.ts';
import { HEARTBEAT_MS } from '../../engine/engine.ts';
import type { CaptureQueue } from '../../engine/queue/queue.ts';
import { printJson, queueFromArgs } from '../common.ts';
import { EXIT } from '../errors.ts';
import type { CliArgs } from '../index.ts';
import { formatCount, table } from '../output.ts';

export interface UploadSummary {
  destination: string;
  isLocalDemo: boolean;
  online: boolean;
  offlineSince?: number;
  lastSuccessAt?: number;
  lastError?: string;
  bytesPerSecond: number;
  bandwidthLimit?: number;
}

export interface EngineLiveness {
  running: boolean;
  pid?: number;
  lastSeen?: number;
  capturePaused?: string;
  upload?: UploadSummary;
}

export function liveness(queue: CaptureQueue, now = Date.now()): EngineLiveness {
  const raw = queue.getMeta('heartbeat');
  if (!raw) return { running: false };
  const beat = JSON.parse(raw) as {
    pid: number;
    at: number;
    running: boolean;
    capturePaused?: string;
    upload?: UploadSummary;
  };
  const fresh = beat.running && now - beat.at < HEARTBEAT_MS * 3;
  return {
    running: fresh,
    pid: beat.pid,
    lastSeen: beat.at,
    capturePaused: beat.capturePaused,
    upload: beat.upload,
  };
}

export async function statusCommand(args: CliArgs): Promise<number> {
  const queue = await queueFromArgs(args);
  try {
    const now = Date.now();
    const counts = queue.counts();
    const oldest = queue.oldestWaiting();
    const engine = liveness(queue, now);
    const recentProblems = queue
      .changesSince(Math.max(0, queue.lastSeq() - 500), 500)
      .filter((change) => change.kind === 'problem')
      .slice(-3);
    if (args.values.json) {
      printJson({ engine, counts, oldestWaiting: oldest ?? null, problems: recentProblems });
    } else {
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const engineLine = engine.running
        ? `running (pid ${engine.pid})`
        : engine.lastSeen
          ? `not running (last seen ${formatDuration(now - engine.lastSeen)} ago)`
          : 'has never run with this data folder';
      const rows = FILE_STATES.filter((state) => counts[state] > 0).map((state) => [
        state,
        formatCount(counts[state]),
      ]);
      const lines = [`Engine: ${engineLine}`];
      if (engine.running && engine.capturePaused) lines.push(`CAPTURE PAUSED: ${engine.capturePaused}`);
      if (engine.upload) lines.push(uploadLine(engine.upload, now));
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

function uploadLine(upload: UploadSummary, now: number): string {
  const where = upload.isLocalDemo
    ? 'the LOCAL DEMO STORE (data has not left this machine)'
    : upload.destination;
  const last = upload.lastSuccessAt
    ? `last upload ${formatDuration(now - upload.lastSuccessAt)} ago`
    : 'nothing uploaded yet';
  if (!upload.online) {
    const since = upload.offlineSince ? ` for ${formatDuration(now - upload.offlineSince)}` : '';
    return `Uploads: OFFLINE${since} to ${where}; ${last}${upload.lastError ? `; last error: ${upload.lastError}` : ''}`;
  }
  const speed = upload.bytesPerSecond > 0 ? `, ${formatBytes(upload.bytesPerSecond)}/s` : '';
  const limit = upload.bandwidthLimit ? ` (limit ${formatBytes(upload.bandwidthLimit)}/s)` : '';
  return `Uploads: online to ${where}; ${last}${speed}${limit}`;
}
