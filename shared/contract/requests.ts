import * as v from 'valibot';
import {
  catalogFacetsSchema,
  catalogFilterSchema,
  catalogPageSchema,
  catalogSearchParamsSchema,
  datasetExportParamsSchema,
  datasetSaveParamsSchema,
  datasetSchema,
} from './catalog.ts';
import { CREDENTIALS_REQUESTS } from './credentials.ts';
import {
  destinationLinkSchema,
  fileDetailSchema,
  fileStateSchema,
  fileSummarySchema,
  idSchema,
  queueChangeSchema,
  queueCountsSchema,
  seqSchema,
} from './domain.ts';
import { REVIEW_REQUESTS } from './review.ts';
import {
  bandwidthCheckSchema,
  bandwidthSavedSchema,
  bandwidthSpecSchema,
  connectionTestSchema,
  destinationDraftSchema,
  siteSettingsSchema,
} from './settings.ts';
import { SITE_EDIT_REQUESTS } from './site-edits.ts';
import { UPLOADS_REQUESTS } from './uploads.ts';
import {
  ACTIVITY_KINDS,
  activityPageSchema,
  dryRunResultSchema,
  fileActionResultSchema,
  rulesCheckSchema,
  rulesConfigSchema,
  rulesSavedSchema,
  rulesTextSchema,
  siteInfoSchema,
  throughputSchema,
} from './views.ts';

/**
 * Every request the UI can make, with the schema of its parameters and of its reply. This map is the
 * whole API between renderer and engine host: both transports (Electron ports, WebSocket) carry these
 * and nothing else, and both sides validate what they receive.
 */
const noParams = v.strictObject({});
const fileIds = v.strictObject({ ids: v.pipe(v.array(idSchema), v.minLength(1), v.maxLength(10_000)) });
const changedCount = v.object({ changed: v.pipe(v.number(), v.integer(), v.minValue(0)) });

export const REQUESTS = {
  ...REVIEW_REQUESTS,
  ...UPLOADS_REQUESTS,
  ...CREDENTIALS_REQUESTS,
  ...SITE_EDIT_REQUESTS,
  'catalog.search': { params: catalogSearchParamsSchema, result: catalogPageSchema },
  'catalog.facets': { params: v.strictObject({ filter: catalogFilterSchema }), result: catalogFacetsSchema },
  'datasets.save': { params: datasetSaveParamsSchema, result: v.object({ dataset: datasetSchema }) },
  'datasets.list': { params: noParams, result: v.object({ datasets: v.array(datasetSchema) }) },
  /** Starts an export; its progress and outcome come as `datasets.export` events with this exportId. */
  'datasets.export': { params: datasetExportParamsSchema, result: v.object({ exportId: v.string() }) },
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
  /** Moves waiting files up (or down) the upload order. */
  'files.bumpPriority': {
    params: v.strictObject({
      ids: fileIds.entries.ids,
      by: v.pipe(v.number(), v.integer(), v.minValue(-1000), v.maxValue(1000)),
    }),
    result: fileActionResultSchema,
  },
  /** Uploads files a rule skipped, under the key the site's key template gives them. */
  'files.requeue': { params: fileIds, result: fileActionResultSchema },
  /** Releases quarantined files to the upload queue (after a person reviewed them). */
  'files.release': { params: fileIds, result: fileActionResultSchema },
  'site.info': { params: noParams, result: siteInfoSchema },
  /** The rules section as written (for the editor) and the rules running now. */
  'config.get': { params: noParams, result: rulesConfigSchema },
  /** Validates edited rules as `edge-capture validate` would, without saving anything. */
  'rules.check': { params: v.strictObject({ text: rulesTextSchema }), result: rulesCheckSchema },
  /** Validates, writes the rules into the site file (comments kept) and applies them without a restart. */
  'rules.update': {
    params: v.strictObject({
      text: rulesTextSchema,
      revision: v.optional(v.pipe(v.string(), v.maxLength(200))),
    }),
    result: rulesSavedSchema,
  },
  /** Decides files as the engine would (running or draft rules) without queuing anything. */
  'rules.dryRun': {
    params: v.strictObject({
      folderId: v.optional(v.pipe(v.string(), v.maxLength(200))),
      paths: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(4096))), v.maxLength(200))),
      text: v.optional(rulesTextSchema),
      limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2000))),
    }),
    result: dryRunResultSchema,
  },
  /** The activity log, newest first, filtered by words and kinds. */
  'activity.list': {
    params: v.strictObject({
      before: v.optional(seqSchema),
      limit: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500)),
      text: v.optional(v.pipe(v.string(), v.maxLength(200))),
      kinds: v.optional(v.pipe(v.array(v.picklist(ACTIVITY_KINDS)), v.minLength(1))),
    }),
    result: activityPageSchema,
  },
  'stats.throughput': { params: noParams, result: throughputSchema },
  /** Each destination's link (online, offline since, last success, next probe) and upload counts. */
  'destinations.status': {
    params: noParams,
    result: v.object({ destinations: v.array(destinationLinkSchema) }),
  },
  /** Test connection, step by step: a configured destination by name, or a draft from the form. */
  'destinations.test': {
    params: v.pipe(
      v.strictObject({
        name: v.optional(v.pipe(v.string(), v.maxLength(200))),
        draft: v.optional(destinationDraftSchema),
      }),
      v.check((p) => p.name !== undefined || p.draft !== undefined, 'give a destination name or a draft'),
    ),
    result: connectionTestSchema,
  },
  /** The site's settings in words: folders, destinations (no secrets), bandwidth, upload, retention. */
  'settings.get': { params: noParams, result: siteSettingsSchema },
  /** Checks a bandwidth limit or timetable with the engine's parser and says it in words. */
  'bandwidth.check': { params: v.strictObject({ spec: bandwidthSpecSchema }), result: bandwidthCheckSchema },
  /** Applies a bandwidth limit now (the site's, or one destination's), and saves it to the site file. */
  'bandwidth.update': {
    params: v.strictObject({
      spec: bandwidthSpecSchema,
      destination: v.optional(v.pipe(v.string(), v.maxLength(200))),
      save: v.boolean(),
    }),
    result: bandwidthSavedSchema,
  },
} as const;

export type RequestName = keyof typeof REQUESTS;
export type RequestParams<N extends RequestName> = v.InferOutput<(typeof REQUESTS)[N]['params']>;
export type RequestResult<N extends RequestName> = v.InferOutput<(typeof REQUESTS)[N]['result']>;

export function isRequestName(value: unknown): value is RequestName {
  return typeof value === 'string' && Object.hasOwn(REQUESTS, value);
}
