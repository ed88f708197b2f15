import { resolve } from 'node:path';
import { type FileState, isFileState } from '../../../shared/status.ts';
import { formatBytes } from '../../engine/config/units.ts';
import type { DeliveryRecord } from '../../engine/queue/delivery-types.ts';
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
  const destination = args.values.destination;
  const queue = await queueFromArgs(args);
  try {
    const { items, nextCursor } = listUpTo(queue, states.filter(isFileState), limit, after, destination);
    if (destination !== undefined) return listDeliveries(queue, destination, items, nextCursor, args);
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

/** `list --destination NAME`: each file's upload to that destination (state, attempts, key, last error). */
function listDeliveries(
  queue: CaptureQueue,
  destination: string,
  items: FileRecord[],
  nextCursor: string | undefined,
  args: CliArgs,
): number {
  const known = Object.keys(queue.deliveries.counts());
  if (items.length === 0 && !known.includes(destination)) {
    const names = known.length > 0 ? known.join(', ') : '(none yet)';
    process.stderr.write(
      `No file has been sent to a destination named "${destination}". Destinations with uploads: ${names}\n`,
    );
  }
  const rows = items.map((file) => ({ file, delivery: queue.deliveries.get(file.id, destination) }));
  if (args.values.json) {
    printJson({ items: rows, nextCursor });
    return EXIT.ok;
  }
  const lines = rows.map(({ file, delivery }) => [
    String(file.id),
    delivery?.state ?? '-',
    file.state,
    `${file.folderId}/${file.relPath}`,
    formatBytes(file.size),
    delivery?.lastError ?? delivery?.objectKey ?? '',
  ]);
  const header = ['ID', destination.toUpperCase(), 'FILE STATE', 'FILE', 'SIZE', 'KEY OR LAST ERROR'];
  process.stdout.write(`${table([header, ...lines])}\n`);
  if (nextCursor) {
    process.stderr.write(
      `Showing ${items.length} files; more remain. For the next ones, run the same command with --after ${nextCursor}.\n`,
    );
  }
  return EXIT.ok;
}

/** Up to `limit` files, reading the queue page by page (it gives at most 1,000 at a time). */
function listUpTo(
  queue: CaptureQueue,
  states: FileState[],
  limit: number,
  after: string | undefined,
  destination?: string,
): { items: FileRecord[]; nextCursor?: string } {
  const items: FileRecord[] = [];
  let cursor = after;
  while (items.length < limit) {
    const page = queue.list({ states, limit: limit - items.length, cursor, destination });
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) return { items };
  }
  return { items, nextCursor: cursor };
}

/** "archive: failed (2 attempts, next try 2026-…) key … — last error: …" */
function deliveryLine(d: DeliveryRecord): string {
  const parts = [`${d.destination}: ${d.state}`];
  const extra: string[] = [];
  if (d.attempts > 0) extra.push(`${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`);
  if (d.nextAttemptAt && d.state === 'failed')
    extra.push(`next try ${new Date(d.nextAttemptAt).toISOString()}`);
  const stored = (d.upload as { parts?: unknown[] } | undefined)?.parts;
  if (Array.isArray(stored) && stored.length > 0) extra.push(`${stored.length} part(s) stored`);
  if (extra.length > 0) parts.push(`(${extra.join(', ')})`);
  if (d.objectKey) parts.push(`key ${d.objectKey}`);
  if (d.lastError && d.state !== 'uploaded') parts.push(`— last error: ${d.lastError}`);
  return parts.join(' ');
}

export async function explainCommand(args: CliArgs): Promise<number> {
  const [target] = args.positionals;
  if (!target) throw new CliError('explain needs the path of a captured file (or its id)', EXIT.usage);
  const queue = await queueFromArgs(args);
  try {
    const file = /^\d+$/.test(target) ? queue.get(Number(target)) : queue.getByPath(resolve(target));
    if (!file) throw new CliError(`${target} is not in the queue`);
    const history = queue.history(file.id);
    const deliveries = queue.deliveries.forFile(file.id);
    if (args.values.json) {
      printJson({ file, deliveries, history });
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
    if (deliveries.length > 1) {
      lines.push('Destinations:');
      for (const d of deliveries) lines.push(`  ${deliveryLine(d)}`);
    } else {
      if (file.objectKey) lines.push(`Object key: ${file.objectKey}`);
      if (file.lastError) lines.push(`Last error: ${file.lastError}`);
    }
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
