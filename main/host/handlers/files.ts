import type { FileState } from '../../../shared/status.ts';
import type { HandlerMap } from './types.ts';

/**
 * States an operator may send back to the upload queue. Only files that were decided "upload" have an
 * object key; a file quarantined by a rule (PII) has none and stays where it is.
 */
const RETRYABLE: ReadonlySet<FileState> = new Set(['failed', 'conflict', 'quarantined']);
const RETRY_REASON = 'Sent back to the upload queue by an operator (retry)';

export const fileHandlers: HandlerMap<'files.retry'> = {
  'files.retry': (engine, params) => ({
    changed: engine.queue.transaction(() => {
      let changed = 0;
      for (const id of params.ids) {
        const file = engine.queue.get(id);
        if (!file || !RETRYABLE.has(file.state) || !(file.objectKey ?? file.decision?.objectKey)) continue;
        engine.queue.transition(
          id,
          'queued',
          { attempts: 0, nextAttemptAt: null, lastError: null, reason: RETRY_REASON },
          RETRY_REASON,
        );
        changed += 1;
      }
      return changed;
    }),
  }),
};
