import type { Decision, RuleTrace } from '../../shared/decision.ts';
import type { ResolvedConfig, ResolvedFolder } from './config/types.ts';
import { createInspector, InspectFailure, type Inspector } from './inspect/index.ts';
import type { CompiledRules } from './rules/index.ts';
import { scanFolder } from './watch/index.ts';

/** A file to decide: the capture folder it belongs to and where it is. */
export interface DryRunTarget {
  folder: ResolvedFolder;
  absPath: string;
  relPath: string;
}

/** What the engine would do with one file, without doing it. */
export interface DryRunOutcome {
  target: DryRunTarget;
  /** The rule's action, or why the file could not be inspected (unreadable, too_large …). */
  action: string;
  reason: string;
  rule?: string;
  objectKey?: string;
  trace?: RuleTrace[];
}

/**
 * Decides files as the engine would (same inspection, same rules), but queues nothing and writes
 * nothing. Rate caps count only the files of this run. Used by `edge-capture dry-run` and the UI.
 */
export async function* dryRunDecisions(
  config: ResolvedConfig,
  rules: CompiledRules,
  targets: AsyncIterable<DryRunTarget> | Iterable<DryRunTarget>,
  options: { inspector?: Inspector; workers?: number } = {},
): AsyncGenerator<DryRunOutcome> {
  const inspector =
    options.inspector ??
    (await createInspector(config.inspect, { folders: config.folders, workers: options.workers }));
  const hits: { rule: string; at: number }[] = [];
  const rates = {
    count: (rule: string, since: number) => hits.filter((h) => h.rule === rule && h.at >= since).length,
  };
  try {
    for await (const target of targets) {
      if (inspector.isSidecar(target.relPath)) continue;
      const now = new Date();
      let decision: Decision;
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
      } catch (error) {
        if (!(error instanceof InspectFailure)) throw error;
        yield { target, action: error.kind, reason: error.message };
        continue;
      }
      if (rules.rules[decision.ruleIndex]?.rate) hits.push({ rule: decision.rule, at: now.getTime() });
      yield {
        target,
        action: decision.action,
        reason: decision.reason,
        rule: decision.rule,
        objectKey: decision.objectKey,
        trace: decision.trace,
      };
    }
  } finally {
    if (!options.inspector) await inspector.close();
  }
}

/** Every file on disk in a capture folder (or under `within` inside it), settled or not. */
export async function* folderTargets(folder: ResolvedFolder, within?: string): AsyncGenerator<DryRunTarget> {
  // The operator asked about these files now: whatever is on disk counts.
  for await (const batch of scanFolder({ ...folder, completion: 'rename' }, { now: Date.now() })) {
    for (const file of batch.complete) {
      if (within && !file.absPath.startsWith(within)) continue;
      yield { folder, absPath: file.absPath, relPath: file.relPath };
    }
  }
}
