import { stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import type { Decision } from '../../../shared/decision.ts';
import type { ResolvedConfig, ResolvedFolder } from '../../engine/config/types.ts';
import { createInspector, InspectFailure } from '../../engine/inspect/index.ts';
import { compileRules } from '../../engine/rules/index.ts';
import { scanFolder } from '../../engine/watch/index.ts';
import { configFromArgs } from '../common.ts';
import { EXIT } from '../errors.ts';
import type { CliArgs } from '../index.ts';
import { table } from '../output.ts';

interface Target {
  folder: ResolvedFolder;
  absPath: string;
  relPath: string;
}

/** Decides every file as the engine would, but queues nothing and writes nothing. */
export async function dryRunCommand(args: CliArgs): Promise<number> {
  const config = await configFromArgs(args);
  const rules = compileRules(config);
  const inspector = await createInspector(config.inspect, { folders: config.folders });
  const hits: { rule: string; at: number }[] = [];
  const rates = {
    count: (rule: string, since: number) => hits.filter((h) => h.rule === rule && h.at >= since).length,
  };
  const rows: string[][] = [['FILE', 'ACTION', 'RULE', 'WHY']];
  const summary: Record<string, number> = {};
  for await (const target of targets(config, args.positionals)) {
    if (inspector.isSidecar(target.relPath)) continue;
    const now = new Date();
    let decision: Decision | undefined;
    let outcome: string;
    let why: string;
    try {
      const inspection = await inspector.inspect({ folderId: target.folder.id, ...target });
      decision = rules.decide(
        {
          folderId: target.folder.id,
          relPath: target.relPath,
          absPath: target.absPath,
          device: target.folder.device,
          inspection,
        },
        { now, rates },
      );
      if (config.rules[decision.ruleIndex]?.rate) hits.push({ rule: decision.rule, at: now.getTime() });
      outcome = decision.action;
      why = decision.reason;
    } catch (error) {
      if (!(error instanceof InspectFailure)) throw error;
      outcome = error.kind;
      why = error.message;
    }
    summary[outcome] = (summary[outcome] ?? 0) + 1;
    const name = `${target.folder.id}/${target.relPath}`;
    if (args.values.json) {
      process.stdout.write(
        `${JSON.stringify({ file: name, action: outcome, rule: decision?.rule, reason: why, objectKey: decision?.objectKey, trace: decision?.trace })}\n`,
      );
    } else {
      rows.push([name, outcome, decision?.rule ?? '', why]);
    }
  }
  if (!args.values.json) {
    process.stdout.write(`${table(rows)}\n\n`);
    const parts = Object.entries(summary).map(([action, n]) => `${n} ${action}`);
    process.stdout.write(`Dry run: ${parts.join(', ') || 'no files'}. Nothing was queued.\n`);
  }
  return EXIT.ok;
}

async function* targets(config: ResolvedConfig, paths: string[]): AsyncGenerator<Target> {
  if (paths.length === 0) {
    for (const folder of config.folders) yield* scanTargets(folder);
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
      yield* scanTargets({ ...owner, path: owner.path }, path);
    } else {
      yield { folder: owner, absPath: path, relPath: relative(owner.path, path).split(sep).join('/') };
    }
  }
}

async function* scanTargets(folder: ResolvedFolder, within?: string): AsyncGenerator<Target> {
  // Everything on disk counts here, settled or not: the operator asked about these files now.
  for await (const batch of scanFolder({ ...folder, completion: 'rename' }, { now: Date.now() })) {
    for (const file of batch.complete) {
      if (within && !file.absPath.startsWith(within)) continue;
      yield { folder, absPath: file.absPath, relPath: file.relPath };
    }
  }
}
