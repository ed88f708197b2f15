import type { CaptureQueue } from '../queue/queue.ts';
import type { FileRecord } from '../queue/types.ts';
import type { HeldDecision, HeldOutcome } from './types.ts';

export interface HeldDecisionInput {
  fileId: number;
  decision: HeldDecision;
  reviewer: string;
  note?: string;
}

/**
 * A reviewer's word on a file a rule held: `upload` sends it to the upload queue under the key the
 * site's rules give it (the same key an operator's release gives), `drop` skips it. The move and
 * who made it go into the file's history. Deciding again the same way is a no-op (the UI's outbox
 * may re-send), deciding a file no longer held is refused with the reason.
 */
export function decideHeld(
  queue: Pick<CaptureQueue, 'transaction' | 'get' | 'transition' | 'history'>,
  input: HeldDecisionInput,
  keyFor: (file: FileRecord) => string | undefined,
): HeldOutcome {
  return queue.transaction(() => {
    const file = queue.get(input.fileId);
    if (!file)
      return { fileId: input.fileId, status: 'refused', why: 'This file is no longer in the queue.' };
    const verb = input.decision === 'upload' ? 'upload' : 'drop';
    const note = input.note ? ` (${input.note})` : '';
    if (file.state !== 'held') {
      const mark = `review: ${verb} by ${input.reviewer}`;
      if (queue.history(file.id).some((change) => change.detail?.startsWith(mark)))
        return { fileId: file.id, status: 'decided', state: file.state, objectKey: file.objectKey };
      return {
        fileId: file.id,
        status: 'refused',
        why: `This file is no longer held for review; it is ${file.state.replace(/_/g, ' ')}.`,
      };
    }
    if (input.decision === 'drop') {
      const reason = `review: drop by ${input.reviewer}${note}; not uploaded (was held: ${file.reason ?? 'no reason recorded'})`;
      const moved = queue.transition(file.id, 'skipped', { reason }, reason);
      return { fileId: file.id, status: 'decided', state: moved.state };
    }
    const key = file.objectKey ?? file.decision?.objectKey ?? keyFor(file);
    if (!key)
      return {
        fileId: file.id,
        status: 'refused',
        why: file.inspection
          ? 'No object key could be made for this file from the key template.'
          : 'This file was never inspected, so it cannot be uploaded yet.',
      };
    const reason = `review: upload by ${input.reviewer}${note}; queued as ${key} (was held: ${file.reason ?? 'no reason recorded'})`;
    const moved = queue.transition(
      file.id,
      'queued',
      { objectKey: key, attempts: 0, nextAttemptAt: null, lastError: null, reason },
      reason,
    );
    return { fileId: file.id, status: 'decided', state: moved.state, objectKey: key };
  });
}
