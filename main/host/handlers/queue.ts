import type { FileDetail, FileSummary } from '../../../shared/contract/index.ts';
import type { FileRecord, QueueChange } from '../../engine/queue/types.ts';
import type { HandlerMap } from './types.ts';

export function toSummary(file: FileRecord): FileSummary {
  return {
    id: file.id,
    folderId: file.folderId,
    relPath: file.relPath,
    size: file.size,
    state: file.state,
    stateChangedAt: file.stateChangedAt,
    discoveredAt: file.discoveredAt,
    contentType: file.contentType,
    rule: file.rule,
    reason: file.reason,
    priority: file.priority,
    attempts: file.attempts,
    lastError: file.lastError,
    objectKey: file.objectKey,
  };
}

export function toDetail(file: FileRecord): FileDetail {
  const inspection = file.inspection;
  return {
    ...toSummary(file),
    absPath: file.absPath,
    mtimeMs: file.mtimeMs,
    sha256: file.sha256,
    tags: inspection?.tags ?? {},
    warnings: inspection?.warnings ?? [],
    predictions: inspection?.predictions && {
      modelVersion: inspection.predictions.modelVersion,
      items: inspection.predictions.items.map(({ label, score }) => ({ label, score })),
    },
    decision: file.decision && {
      action: file.decision.action,
      rule: file.decision.rule,
      reason: file.decision.reason,
      trace: file.decision.trace,
    },
  };
}

/** Drops the `undefined` fields a QueueChange may carry, so the message is plain JSON. */
export function toChangeMessage(change: QueueChange): QueueChange {
  return Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)) as QueueChange;
}

export const queueHandlers: HandlerMap<'queue.counts' | 'queue.list' | 'queue.item' | 'queue.changesSince'> =
  {
    'queue.counts': (engine) => ({ counts: engine.queue.counts() }),
    'queue.list': (engine, params) => {
      const page = engine.queue.list(params);
      return { items: page.items.map(toSummary), nextCursor: page.nextCursor };
    },
    'queue.item': (engine, params) => {
      const file = engine.queue.get(params.id);
      return {
        file: file ? toDetail(file) : null,
        history: file ? engine.queue.history(file.id).map(toChangeMessage) : [],
      };
    },
    'queue.changesSince': (engine, params) => {
      const limit = Math.min(params.limit ?? 1000, 1000);
      const changes = engine.queue.changesSince(params.seq, limit + 1);
      const complete = changes.length <= limit;
      const page = changes.slice(0, limit);
      return {
        changes: page.map(toChangeMessage),
        lastSeq: page.at(-1)?.seq ?? Math.max(params.seq, 0),
        complete,
      };
    },
  };
