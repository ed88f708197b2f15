import { resolve } from 'node:path';
import { type FileState, isFileState } from '../../../shared/status.ts';
import { formatBytes } from '../../engine/config/units.ts';
import type { CaptureQueue } from '../../engine/queue/queue.ts';
import type { FileRecord } from '../../engine/queue/types.ts';
import { intOption, printJson, queueFromArgs } from '../common.ts';
import { CliError, EXIT } from '../errors.ts';
import type { CliArgs } from '../index.ts';
import { table } from '../output.ts';

export async function listCommand(args: CliArgs): Promise<number> {
  const states = args.values.state ?? [];
  for (const state of states) {
    if (!isFileState(state)) throw new CliError(`--state "${state}" is not a file state`, EXIT.usage);
  }
  const limit = intOption(args.values.limit, 'limit', 50);
  const after = args.values.after;
  if (after !== undefined && !/^\d+$/.test(after)) {
    throw new CliError(`--after takes the id of the last file shown, got "${after}"`, EXIT.usage);
  }
  const queue = await queueFromArgs(args);
  try {
    const { items, nextCursor } = listUpTo(queue, states.filter(isFileState), limit, after);
    if (args.values.json) {
      printJson({ items, nextCursor });
      return EXIT.ok;
    }
    const rows = items.map((file) => [
      String(file.id),
      file.state,
      `${file.folderId}/${file.relPath}`,
      formatBytes(file.size),
      file.reason ?? '',
    ]);
    process.stdout.write(`${table([['ID', 'STATE', 'FILE', 'SIZE', 'WHY'], ...rows])}\n`);
    if (nextCursor) {
      process.stderr.write(
        `Showing ${items.length} files; more remain. For the next ones, run the same command with --after ${nextCursor}.\n`,
      );
    }
    return EXIT.ok;
  } finally {
    queue.close();
  }
}

/** Up to `limit` files, reading the queue page by page (it gives at most 1,000 at a time). */
function listUpTo(
  queue: CaptureQueue,
  states: FileState[],
  limit: number,
  after: string | undefined,
): { items: FileRecord[]; nextCursor?: string } {
  const items: FileRecord[] = [];
  let cursor = after;
  while (items.length < limit) {
    const page = queue.list({ states, limit: limit - items.length, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) return { items };
  }
  return { items, nextCursor: cursor };
}

export async function explainCommand(args: CliArgs): Promise<number> {
  const [target] = args.positionals;
  if (!target) throw new CliError('explain needs the path of a captured file (or its id)', EXIT.usage);
  const queue = await queueFromArgs(args);
  try {
    const file = /^\d+$/.test(target) ? queue.get(Number(target)) : queue.getByPath(resolve(target));
    if (!file) throw new CliError(`${target} is not in the queue`);
    const history = queue.history(file.id);
    if (args.values.json) {
      printJson({ file, history });
      return EXIT.ok;
    }
    const lines = [
      `${file.folderId}/${file.relPath}: ${file.state}`,
      `Why: ${file.reason ?? '(not decided yet)'}`,
    ];
    if (file.decision) {
      lines.push(`Rule: ${file.decision.rule}`);
      for (const step of file.decision.trace)
        lines.push(`  ${step.matched ? '✔' : '✘'} ${step.rule}: ${step.because}`);
    }
    const tags = Object.entries(file.inspection?.tags ?? {});
    if (tags.length) lines.push(`Tags: ${tags.map(([tag, n]) => `${tag}×${n}`).join(', ')}`);
    if (file.objectKey) lines.push(`Object key: ${file.objectKey}`);
    if (file.lastError) lines.push(`Last error: ${file.lastError}`);
    lines.push('History:');
    for (const change of history) {
      lines.push(
        `  ${new Date(change.at).toISOString()}  ${change.from ?? ''}→${change.to ?? change.kind}  ${change.detail ?? ''}`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  } finally {
    queue.close();
  }
}
