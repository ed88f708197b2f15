import type { FileState } from '../../../shared/status.ts';
import type { CaptureQueue } from '../queue/queue.ts';
import type { FileRecord } from '../queue/types.ts';

/** States whose files the store lacks and that an operator's data set may send: a rule said "not now". */
const SENDABLE: ReadonlySet<FileState> = new Set(['skipped', 'held']);
/** On their way already (or in the store): nothing to do. */
const UNDER_WAY: ReadonlySet<FileState> = new Set([
  'queued',
  'uploading',
  'uploaded',
  'retained',
  'removed',
  'failed',
]);

export interface QueueOutcome {
  queued: number;
  /** Already in the store or on their way there. */
  already: number;
  refused: { id: number; why: string }[];
}

/**
 * Sends a data set's members the store does not have to the upload queue, to the data set's
 * destination, the way an operator's "upload anyway" does: the decision keeps the rule's word and
 * gains the destination and the key the rules give, and the move is recorded in the file's history.
 * Quarantined files (PII, repeated failures) are not sent: they need a release first.
 */
export function queueMissingMembers(
  queue: Pick<CaptureQueue, 'get' | 'transaction' | 'saveDecision'>,
  ids: readonly number[],
  options: { destination: string; dataset: string; keyFor: (file: FileRecord) => string | undefined },
): QueueOutcome {
  return queue.transaction(() => {
    const outcome: QueueOutcome = { queued: 0, already: 0, refused: [] };
    for (const id of ids) {
      const file = queue.get(id);
      if (!file) {
        outcome.refused.push({ id, why: 'This file is no longer in the queue.' });
      } else if (UNDER_WAY.has(file.state)) {
        outcome.already += 1;
      } else if (file.state === 'quarantined') {
        outcome.refused.push({
          id,
          why: `${file.relPath} is quarantined (${file.reason ?? 'no reason recorded'}); release it first.`,
        });
      } else if (!SENDABLE.has(file.state) || !file.decision) {
        outcome.refused.push({
          id,
          why: `${file.relPath} is ${file.state.replace(/_/g, ' ')}, not a file a rule kept back, so it is not sent.`,
        });
      } else {
        const key = file.objectKey ?? file.decision.objectKey ?? options.keyFor(file);
        if (key === undefined) {
          outcome.refused.push({
            id,
            why: `No object key could be made for ${file.relPath} from the key template.`,
          });
          continue;
        }
        const reason = `Queued for upload to ${options.destination} for data set ${options.dataset} (was ${file.state}: ${file.reason ?? 'no reason recorded'})`;
        queue.saveDecision(
          id,
          {
            ...file.decision,
            reason,
            objectKey: key,
            deliveries: [{ destination: options.destination, objectKey: key }],
          },
          'queued',
          { objectKey: key, attempts: 0, nextAttemptAt: null, lastError: null },
        );
        outcome.queued += 1;
      }
    }
    return outcome;
  });
}
