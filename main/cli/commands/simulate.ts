import { resolve } from 'node:path';
import { parseDuration, parseSize } from '../../engine/config/units.ts';
import { parseRate, simulate } from '../../simulate/index.ts';
import { intOption, printJson } from '../common.ts';
import { CliError, EXIT } from '../errors.ts';
import type { CliArgs } from '../index.ts';

export async function simulateCommand(args: CliArgs): Promise<number> {
  const to = args.values.to;
  if (!to) throw new CliError('--to DIR is required: the capture folder to write into', EXIT.usage);
  let ratePerSec: number;
  try {
    ratePerSec = parseRate(args.values.rate ?? '10/s');
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage);
  }
  const durationMs = args.values.duration === undefined ? undefined : parseDuration(args.values.duration);
  if (args.values.duration !== undefined && durationMs === undefined) {
    throw new CliError(`--duration "${args.values.duration}" is not a duration like 30s, 5m, 1h`, EXIT.usage);
  }
  const fixedSize = args.values.size === undefined ? undefined : parseSize(args.values.size);
  if (args.values.size !== undefined && fixedSize === undefined) {
    throw new CliError(`--size "${args.values.size}" is not a size like 4KiB`, EXIT.usage);
  }
  const mistakeRate = args.values.mistakes === undefined ? undefined : Number(args.values.mistakes);
  if (mistakeRate !== undefined && !(mistakeRate >= 0 && mistakeRate <= 1)) {
    throw new CliError(
      `--mistakes "${args.values.mistakes}" is not a share between 0 and 1, e.g. 0.15`,
      EXIT.usage,
    );
  }
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  process.stderr.write(`simulating captures into ${resolve(to)} at ${ratePerSec}/s (Ctrl-C to stop)\n`);
  const stats = await simulate({
    to: resolve(to),
    ratePerSec,
    count: args.values.count === undefined ? undefined : intOption(args.values.count, 'count', 0),
    durationMs,
    seed: args.values.seed === undefined ? undefined : intOption(args.values.seed, 'seed', 0),
    fixedSize,
    mistakeRate,
    truthDir: args.values['truth-dir'] === undefined ? undefined : resolve(args.values['truth-dir']),
    signal: controller.signal,
  });
  if (args.values.json) printJson(stats);
  else {
    process.stdout.write(
      `wrote ${stats.captures} captures (${stats.files} files, ${stats.bytes} bytes) in ${(stats.elapsedMs / 1000).toFixed(1)} s\n`,
    );
  }
  return EXIT.ok;
}
