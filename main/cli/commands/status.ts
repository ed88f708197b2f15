import { FILE_STATES } from '../../../shared/status.ts';
import { formatDuration } from '../../engine/config/units.ts';
import { HEARTBEAT_MS } from '../../engine/engine.ts';
import type { CaptureQueue } from '../../engine/queue/queue.ts';
import { printJson, queueFromArgs } from '../common.ts';
import { EXIT } from '../errors.ts';
import type { CliArgs } from '../index.ts';
import { formatCount, table } from '../output.ts';

export interface EngineLiveness {
  running: boolean;
  pid?: number;
  lastSeen?: number;
}

export function liveness(queue: CaptureQueue, now = Date.now()): EngineLiveness {
  const raw = queue.getMeta('heartbeat');
  if (!raw) return { running: false };
  const beat = JSON.parse(raw) as { pid: number; at: number; running: boolean };
  const fresh = beat.running && now - beat.at < HEARTBEAT_MS * 3;
  return { running: fresh, pid: beat.pid, lastSeen: beat.at };
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
      const lines = [
        `Engine: ${engineLine}`,
        `Files: ${formatCount(total)}`,
        table(rows.length ? rows : [['(none)', '']]),
      ];
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
