import { setTimeout as delay } from 'node:timers/promises';
import { engineHoldsLock, lockHolderPid } from '../../engine/lock.ts';
import { configFromArgs, queueFromArgs } from '../common.ts';
import { CliError, EXIT } from '../errors.ts';
import type { CliArgs } from '../index.ts';
import { RELOAD_NOTES } from '../reload.ts';

/** How long `reload` waits for the running engine's answer. */
const ANSWER_WITHIN_MS = 15_000;

/**
 * Makes the engine running on this site re-read its site file (the same as `kill -HUP <pid>`). The
 * file is validated here first, so its problems are printed in full and nothing is sent; the running
 * engine then checks it again, applies it without a restart, or refuses it and keeps its settings.
 * The answer is read back from the activity log.
 */
export async function reloadCommand(args: CliArgs): Promise<number> {
  const config = await configFromArgs(args); // a file with problems stops here, each one printed
  const running = engineHoldsLock(config.dataDir);
  const pid = lockHolderPid(config.dataDir);
  if (running === false || pid === undefined) {
    throw new CliError(
      `No engine is running on ${config.dataDir}: nothing to reload. The site file is valid; it applies when the engine starts.`,
      EXIT.notRunning,
    );
  }
  const queue = await queueFromArgs(args, config.dataDir);
  try {
    const since = queue.lastSeq();
    try {
      process.kill(pid, 'SIGHUP');
    } catch (error) {
      throw new CliError(
        `Could not signal the engine (pid ${pid}): ${(error as Error).message}. Run this as the user the engine runs as.`,
      );
    }
    const deadline = Date.now() + ANSWER_WITHIN_MS;
    while (Date.now() < deadline) {
      const answer = queue
        .select(
          'SELECT kind, detail FROM events WHERE seq > ? AND kind IN (?, ?) ORDER BY seq LIMIT 1',
          since,
          RELOAD_NOTES.applied,
          RELOAD_NOTES.refused,
        )
        .at(0);
      if (answer) {
        const detail = String(answer['detail']);
        if (answer['kind'] === RELOAD_NOTES.applied) {
          process.stdout.write(`Engine (pid ${pid}): ${detail}.\n`);
          return EXIT.ok;
        }
        process.stderr.write(`Engine (pid ${pid}): ${detail}.\n`);
        return EXIT.failure;
      }
      await delay(100);
    }
    throw new CliError(
      `The engine (pid ${pid}) was asked to reload but did not answer within ${ANSWER_WITHIN_MS / 1000} s; see its log.`,
    );
  } finally {
    queue.close();
  }
}
