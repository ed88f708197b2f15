import { join, resolve } from 'node:path';
import { queuePath } from '../../engine/engine.ts';
import { CaptureQueue } from '../../engine/queue/queue.ts';
import { BANDWIDTH_REQUEST_KEY } from '../../engine/runtime-requests.ts';
import { parseBandwidth } from '../../engine/upload/bandwidth.ts';
import { configFromArgs } from '../common.ts';
import { CliError, EXIT } from '../errors.ts';
import type { CliArgs } from '../index.ts';

/**
 * Changes a running engine's bandwidth limit. The request goes through the queue database (the
 * engine's single source of truth), which the engine checks every heartbeat, so it also works when
 * the CLI and the engine run as different users sharing only the data folder.
 */
export async function bandwidthCommand(args: CliArgs): Promise<number> {
  const [spec] = args.positionals;
  if (!spec)
    throw new CliError(
      'bandwidth needs a limit: off, 512k, 4M or a timetable like "08:00,512k 18:00,off"',
      EXIT.usage,
    );
  try {
    parseBandwidth(spec);
  } catch (error) {
    throw new CliError(`"${spec}" is not a bandwidth limit: ${(error as Error).message}`, EXIT.usage);
  }
  const destination = args.values.destination;
  const dataDir = args.values['data-dir'];
  const path = dataDir ? join(resolve(dataDir), 'queue.db') : queuePath(await configFromArgs(args));
  const queue = new CaptureQueue(path);
  try {
    queue.setMeta(BANDWIDTH_REQUEST_KEY, JSON.stringify({ spec, at: Date.now(), destination }));
  } finally {
    queue.close();
  }
  const which = destination === undefined ? '' : ` for destination ${destination}`;
  process.stdout.write(
    `Bandwidth limit "${spec}"${which} requested; a running engine applies it within a few seconds.\n`,
  );
  return EXIT.ok;
}
