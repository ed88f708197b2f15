import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, formatConfigError } from '../engine/config/errors.ts';
import { loadConfig } from '../engine/config/load.ts';
import type { ResolvedConfig } from '../engine/config/types.ts';
import { queuePath } from '../engine/engine.ts';
import { CaptureQueue } from '../engine/queue/queue.ts';
import { compileRules } from '../engine/rules/index.ts';
import { CliError, EXIT } from './errors.ts';
import type { CliArgs } from './index.ts';

export async function configFromArgs(args: CliArgs): Promise<ResolvedConfig> {
  const file = args.values.config;
  if (!file) throw new CliError('--config FILE is required (see build/examples/site.yaml)', EXIT.usage);
  try {
    const config = await loadConfig(resolve(file));
    compileRules(config); // some problems (globs, times, templates) only show when rules compile
    return config;
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`\n${formatConfigError(error)}`, EXIT.invalidConfig);
    throw error;
  }
}

/** The data folder from --data-dir or the config's dataDir. */
export async function dataDirFromArgs(args: CliArgs): Promise<string> {
  const dataDir = args.values['data-dir'];
  return dataDir ? resolve(dataDir) : (await configFromArgs(args)).dataDir;
}

/** Opens the queue read-only from --data-dir or the config's dataDir (works while an engine runs). */
export async function queueFromArgs(args: CliArgs, dataDir?: string): Promise<CaptureQueue> {
  const path = queuePath({ dataDir: dataDir ?? (await dataDirFromArgs(args)) });
  if (!existsSync(path)) {
    throw new CliError(
      `No queue database at ${path}. Has the engine run with this config yet? Start it with "edge-capture run --config FILE".`,
    );
  }
  return new CaptureQueue(path, { readOnly: true });
}

export function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new CliError(`--${name} must be a whole number, got "${value}"`, EXIT.usage);
  return n;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
