import * as v from 'valibot';
import { datasetExportEventSchema } from './catalog.ts';
import { CREDENTIALS_EVENTS } from './credentials.ts';
import {
  destinationLinkSchema,
  problemSchema,
  queueChangeSchema,
  queueCountsSchema,
  seqSchema,
} from './domain.ts';
import { REVIEW_EVENTS } from './review.ts';
import { UPLOADS_EVENTS } from './uploads.ts';
import { throughputSchema } from './views.ts';

/**
 * Every event the engine host pushes to a connected UI. The host coalesces them (at most ~10 a second
 * for counts and lists), so a burst of files never floods the renderer.
 */
export const EVENTS = {
  ...REVIEW_EVENTS,
  ...UPLOADS_EVENTS,
  ...CREDENTIALS_EVENTS,
  'datasets.export': datasetExportEventSchema,
  'queue.changed': v.object({ changes: v.array(queueChangeSchema), lastSeq: seqSchema }),
  'queue.counts': v.object({ counts: queueCountsSchema }),
  'upload.progress': v.object({
    items: v.array(
      v.object({
        fileId: v.pipe(v.number(), v.integer(), v.minValue(1)),
        destination: v.string(),
        sentBytes: v.pipe(v.number(), v.minValue(0)),
        totalBytes: v.pipe(v.number(), v.minValue(0)),
      }),
    ),
  }),
  connectivity: v.object({ destinations: v.array(destinationLinkSchema) }),
  problem: problemSchema,
  'config.reloaded': v.object({ at: v.number(), warnings: v.array(v.string()) }),
  /** Uploaded files and bytes per interval over the last hour; sent at most every 2 s while it changes. */
  throughput: throughputSchema,
} as const;

export type EventName = keyof typeof EVENTS;
export type EventPayload<N extends EventName> = v.InferOutput<(typeof EVENTS)[N]>;

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && Object.hasOwn(EVENTS, value);
}
