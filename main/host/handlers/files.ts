import type { FileState } from '../../../shared/status.ts';
import type { FileRecord } from '../../engine/queue/types.ts';
import type { HostedEngine } from '../hosted-engine.ts';
import type { HandlerMap, HostContext } from './types.ts';

/**
 * States an operator may send back to the upload queue. Only files that were decided "upload" have an
 * object key; a file quarantined by a rule (PII) has none and stays where it is.
 */
const RETRYABLE: ReadonlySet<FileState> = new Set(['failed', 'conflict', 'quarantined']);
const RETRY_REASON = 'Sent back to the upload queue by an operator (retry)';
/** Files still waiting for the uploader: their place in the upload order can change. */
const WAITING: ReadonlySet<FileState> = new Set(['queued', 'failed']);

type Refusal = { id: number; why: string };

/** Runs `act` on each file in one transaction; returns how many changed and why the others did not. */
function eachFile(
  engine: HostedEngine,
  ids: readonly number[],
  act: (file: FileRecord) => string | undefined,
): { changed: number; refused: Refusal[] } {
  return engine.queue.transaction(() => {
    let changed = 0;
    const refused: Refusal[] = [];
    for (const id of ids) {
      const file = engine.queue.get(id);
      const why = file ? act(file) : 'This file is no longer in the queue.';
      if (why) refused.push({ id, why });
      else changed += 1;
    }
    return { changed, refused };
  });
}

/** The key a file gets when an operator overrides a rule's "not now": the rule/site key template. */
function keyFor(host: HostContext, file: FileRecord): string | { why: string } {
  if (!host.site)
    return { why: 'The engine has no site config here, so no object key can be given to this file.' };
  if (!file.inspection?.sha256)
    return { why: 'This file was never inspected, so it cannot be uploaded yet.' };
  const key = host.site.objectKeyFor(file);
  return key ?? { why: 'No object key could be made for this file from the key template.' };
}

export const fileHandlers: HandlerMap<
  'files.retry' | 'files.bumpPriority' | 'files.requeue' | 'files.release'
> = {
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

  'files.bumpPriority': (engine, params) =>
    eachFile(engine, params.ids, (file) => {
      if (!WAITING.has(file.state) || !file.decision) {
        return `Only files waiting to upload can move in the upload order; this one is ${file.state.replace(/_/g, ' ')}.`;
      }
      const priority = file.priority + params.by;
      const reason = `Priority ${params.by > 0 ? 'raised' : 'lowered'} from ${file.priority} to ${priority} by an operator`;
      // The decision keeps what the rule said; only its priority (the upload order) changes.
      engine.queue.saveDecision(file.id, { ...file.decision, priority }, file.state, {
        reason,
        objectKey: file.objectKey ?? file.decision.objectKey ?? null,
      });
      return undefined;
    }),

  'files.requeue': (engine, params, host) =>
    eachFile(engine, params.ids, (file) => {
      if (file.state !== 'skipped')
        return `Only skipped files can be re-queued; this one is ${file.state.replace(/_/g, ' ')}.`;
      const key = keyFor(host, file);
      if (typeof key !== 'string') return key.why;
      const reason = `Queued for upload by an operator (was skipped: ${file.reason ?? 'no reason recorded'})`;
      engine.queue.transition(
        file.id,
        'queued',
        { objectKey: key, attempts: 0, nextAttemptAt: null, lastError: null, reason },
        reason,
      );
      return undefined;
    }),

  'files.release': (engine, params, host) =>
    eachFile(engine, params.ids, (file) => {
      if (file.state !== 'quarantined')
        return `Only quarantined files can be released; this one is ${file.state.replace(/_/g, ' ')}.`;
      const existing = file.objectKey ?? file.decision?.objectKey;
      const key = existing ?? keyFor(host, file);
      if (typeof key !== 'string') return key.why;
      const reason = `Released from quarantine by an operator (was: ${file.reason ?? 'no reason recorded'})`;
      engine.queue.transition(
        file.id,
        'queued',
        { objectKey: key, attempts: 0, nextAttemptAt: null, lastError: null, reason },
        reason,
      );
      return undefined;
    }),
};
