import { join, resolve } from 'node:path';
import { queuePath } from '../../engine/engine.ts';
import { CaptureQueue } from '../../engine/queue/queue.ts';
import { readOperatorPause, writeOperatorPause } from '../../engine/runtime-requests.ts';
import { configFromArgs } from '../common.ts';
import { EXIT } from '../errors.ts';
import type { CliArgs } from '../index.ts';

/**
 * Pauses or resumes all uploads. Like `bandwidth`, the word goes through the queue database, which a
 * running engine reads every heartbeat; an engine started later starts paused. Capture and decisions
 * go on while uploads are paused; uploads in flight finish.
 */
async function openQueue(args: CliArgs): Promise<CaptureQueue> {
  const dataDir = args.values['data-dir'];
  return new CaptureQueue(
    dataDir ? join(resolve(dataDir), 'queue.db') : queuePath(await configFromArgs(args)),
  );
}

export async function pauseCommand(args: CliArgs): Promise<number> {
  const queue = await openQueue(args);
  try {
    const already = readOperatorPause(queue);
    if (already) {
      process.stdout.write(
        `Uploads were already paused (by ${already.by}, ${new Date(already.at).toISOString()}).\n`,
      );
      return EXIT.ok;
    }
    writeOperatorPause(queue, { at: Date.now(), by: 'edge-capture pause' });
  } finally {
    queue.close();
  }
  process.stdout.write(
    'Uploads paused: a running engine starts no new upload within a few seconds (uploads in flight finish); capture and decisions go on. `edge-capture resume` lifts it.\n',
  );
  return EXIT.ok;
}

export async function resumeCommand(args: CliArgs): Promise<number> {
  const queue = await openQueue(args);
  try {
    if (!readOperatorPause(queue)) {
      process.stdout.write('Uploads were not paused by an operator.\n');
      return EXIT.ok;
    }
    writeOperatorPause(queue, undefined);
  } finally {
    queue.close();
  }
  process.stdout.write('Uploads resumed: a running engine starts uploading again within a few seconds.\n');
  return EXIT.ok;
}
