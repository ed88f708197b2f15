import type { EventName, EventPayload } from '../../../shared/contract/index.ts';
import type { FileRecord } from '../../engine/queue/types.ts';
import { BadCursor, type ReviewService } from '../../engine/review/index.ts';
import type { HostedEngine } from '../hosted-engine.ts';
import { type HandlerMap, type HostContext, RequestFailed } from './types.ts';

/** The engine's review service, or a failure the UI can show when this engine has none. */
function reviewOf(engine: HostedEngine): ReviewService {
  if (!engine.review)
    throw new RequestFailed(
      'This engine was started without reviewing (no review service), so there is nothing to review.',
    );
  return engine.review;
}

/**
 * The key an operator's release gives: the site's rules as running now (edits included). Held
 * decisions are idempotent by id (the renderer's outbox re-sends after a lost answer).
 */
function keyForOf(host: HostContext): ((file: FileRecord) => string | undefined) | undefined {
  const site = host.site;
  return site ? (file) => site.objectKeyFor(file) : undefined;
}

/** Drops undefined fields: the contract's optional fields are absent, never undefined. */
function defined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export const reviewHandlers: HandlerMap<
  | 'review.list'
  | 'review.item'
  | 'corrections.submit'
  | 'corrections.forFile'
  | 'review.decideHeld'
  | 'review.decideHeldMany'
  | 'review.agreement'
  | 'review.export'
> = {
  'review.list': (engine, params) => {
    try {
      return defined(
        reviewOf(engine).list(params.filter ?? {}, { cursor: params.cursor, limit: params.limit }),
      );
    } catch (error) {
      if (error instanceof BadCursor) throw new RequestFailed(error.message);
      throw error;
    }
  },

  'review.item': (engine, params) => ({ item: defined(reviewOf(engine).item(params.fileId) ?? null) }),

  'corrections.submit': (engine, params) => ({
    outcomes: defined(reviewOf(engine).submit(params.corrections)),
  }),

  'corrections.forFile': (engine, params) => ({
    corrections: defined(reviewOf(engine).corrections.forFile(params.fileId)),
  }),

  // The key an operator's release gives (the site's rules as running now, edits included).
  // Idempotent by the decision's id (the renderer's outbox re-sends after a lost answer).
  'review.decideHeld': (engine, params, host) => defined(reviewOf(engine).decideHeld(params, keyForOf(host))),

  // One round trip for an outbox's backlog; each decision applied as review.decideHeld applies it.
  'review.decideHeldMany': (engine, params, host) => {
    const review = reviewOf(engine);
    const keyFor = keyForOf(host);
    return defined({ answers: params.decisions.map((decision) => review.decideHeld(decision, keyFor)) });
  },

  'review.agreement': (engine, params) => ({ buckets: reviewOf(engine).agreement(params) }),

  'review.export': async (engine, params) => {
    const review = reviewOf(engine);
    let pass: Awaited<ReturnType<ReviewService['exportNow']>>;
    let problem: string | undefined;
    if (params.run) {
      try {
        pass = await review.exportNow();
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
    }
    return defined({ status: review.exportStatus() ?? null, pass, problem });
  },
};

/**
 * Forwards the review service's news to every connected UI; returns the unsubscribe. Engines
 * without reviewing (a bare queue in tests) send nothing.
 */
export function forwardReviewEvents(
  engine: HostedEngine,
  broadcast: <N extends EventName>(name: N, payload: EventPayload<N>) => void,
): () => void {
  const review = engine.review;
  if (!review) return () => {};
  const onChanged = (change: EventPayload<'corrections.changed'>) => broadcast('corrections.changed', change);
  const onExported = (pass: EventPayload<'review.exported'>) => broadcast('review.exported', pass);
  review.on('changed', onChanged);
  review.on('exported', onExported);
  return () => {
    review.off('changed', onChanged);
    review.off('exported', onExported);
  };
}
