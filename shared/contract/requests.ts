import * as v from 'valibot';
import {
  fileDetailSchema,
  fileStateSchema,
  fileSummarySchema,
  idSchema,
  queueChangeSchema,
  queueCountsSchema,
  seqSchema,
} from './domain.ts';

/**
 * Every request the UI can make, with the schema of its parameters and of its reply. This map is the
 * whole API between renderer and engine host: both transports (Electron ports, WebSocket) carry these
 * and nothing else, and both sides validate what they receive.
 */
const noParams = v.strictObject({});
const fileIds = v.strictObject({ ids: v.pipe(v.array(idSchema), v.minLength(1), v.maxLength(10_000)) });
const changedCount = v.object({ changed: v.pipe(v.number(), v.integer(), v.minValue(0)) });

export const REQUESTS = {
  'queue.counts': { params: noParams, result: v.object({ counts: queueCountsSchema }) },
  'queue.list': {
    params: v.strictObject({
      states: v.optional(v.pipe(v.array(fileStateSchema), v.minLength(1))),
      folderId: v.optional(v.string()),
      cursor: v.optional(v.pipe(v.string(), v.maxLength(200))),
      limit: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)),
      order: v.optional(v.picklist(['newest', 'oldest'])),
    }),
    result: v.object({ items: v.array(fileSummarySchema), nextCursor: v.optional(v.string()) }),
  },
  'queue.item': {
    params: v.strictObject({ id: idSchema }),
    result: v.object({ file: v.nullable(fileDetailSchema), history: v.array(queueChangeSchema) }),
  },
  'queue.changesSince': {
    params: v.strictObject({
      seq: seqSchema,
      limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    }),
    result: v.object({ changes: v.array(queueChangeSchema), lastSeq: seqSchema, complete: v.boolean() }),
  },
  'files.retry': { params: fileIds, result: changedCount },
} as const;

export type RequestName = keyof typeof REQUESTS;
export type RequestParams<N extends RequestName> = v.InferOutput<(typeof REQUESTS)[N]['params']>;
export type RequestResult<N extends RequestName> = v.InferOutput<(typeof REQUESTS)[N]['result']>;

export function isRequestName(value: unknown): value is RequestName {
  return typeof value === 'string' && Object.hasOwn(REQUESTS, value);
}
