import { stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import type { ResolvedConfig } from '../../engine/config/types.ts';
import { type DryRunTarget, dryRunDecisions, folderTargets } from '../../engine/dry-run.ts';
import { compileRules } from '../../engine/rules/index.ts';
import { configFromArgs } from '../common.ts';
import { EXIT } from '../errors.ts';
import type { CliArgs } from '../index.ts';
import { table } from '../output.ts';

/** Decides every file as the engine would, but queues nothing and writes nothing. */
export async function dryRunCommand(args: CliArgs): Promise<number> {
  const config = await configFromArgs(args);
  const rules = compileRules(config);
  const rows: string[][] = [['FILE', 'ACTION', 'RULE', 'WHY']];
  const summary: Record<string, number> = {};
  for await (const outcome of dryRunDecisions(config, rules, targets(config, args.positionals))) {
    const { target, action, rule, reason } = outcome;
    summary[action] = (summary[action] ?? 0) + 1;
    const name = `${target.folder.id}/${target.relPath}`;
    if (args.values.json) {
      process.stdout.write(
        `${JSON.stringify({ file: name, action, rule, reason, objectKey: outcome.objectKey, trace: outcome.trace })}\n`,
      );
    } else {
      rows.push([name, action, rule ?? '', reason]);
    }
  }
  if (!args.values.json) {
    process.stdout.write(`${table(rows)}\n\n`);
    const parts = Object.entries(summary).map(([action, n]) => `${n} ${action}`);
    process.stdout.write(`Dry run: ${parts.join(', ') || 'no files'}. Nothing was queued.\n`);
  }
  return EXIT.ok;
}

async function* targets(config: ResolvedConfig, paths: string[]): AsyncGenerator<DryRunTarget> {
  if (paths.length === 0) {
    for (const folder of config.folders) yield* folderTargets(folder);
    return;
  }
  for (const path of paths.map((p) => resolve(p))) {
    const folder = config.folders.find((f) => path === f.path || path.startsWith(f.path + sep));
    const info = await stat(path).catch(() => undefined);
    if (!info) {
      process.stderr.write(`dry-run: ${path} does not exist\n`);
      continue;
    }
    const owner = folder ?? {
      ...config.folders[0]!,
      id: '(outside any folder)',
      path: info.isDirectory() ? path : resolve(path, '..'),
    };
    if (info.isDirectory()) {
      yield* folderTargets({ ...owner, path: owner.path }, path);
    } else {
      yield { folder: owner, absPath: path, relPath: relative(owner.path, path).split(sep).join('/') };
    }
  }
}
