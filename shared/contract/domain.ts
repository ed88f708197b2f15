import * as v from 'valibot';
import { FILE_STATES } from '../status.ts';

/** Schemas of the engine's data as the UI sees it: plain JSON, validated on both sides. */

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const epochMs = v.pipe(v.number(), v.minValue(0));
export const idSchema = v.pipe(v.number(), v.integer(), v.minValue(1));
export const seqSchema = v.pipe(v.number(), v.integer(), v.minValue(0));

export const fileStateSchema = v.picklist(FILE_STATES);

export const queueCountsSchema = v.record(fileStateSchema, count);
export type QueueCounts = v.InferOutput<typeof queueCountsSchema>;

/** One row of a queue list: what a list shows without loading the whole record. */
export const fileSummarySchema = v.object({
  id: idSchema,
  folderId: v.string(),
  relPath: v.string(),
  size: count,
  state: fileStateSchema,
  stateChangedAt: epochMs,
  discoveredAt: epochMs,
  contentType: v.optional(v.string()),
  rule: v.optional(v.string()),
  reason: v.optional(v.string()),
  priority: v.pipe(v.number(), v.integer()),
  attempts: count,
  lastError: v.optional(v.string()),
  objectKey: v.optional(v.string()),
});
export type FileSummary = v.InferOutput<typeof fileSummarySchema>;

/** Everything the detail panel shows about one file. */
export const fileDetailSchema = v.object({
  ...fileSummarySchema.entries,
  absPath: v.string(),
  mtimeMs: epochMs,
  sha256: v.optional(v.string()),
  tags: v.record(v.string(), v.number()),
  warnings: v.array(v.string()),
  predictions: v.optional(
    v.object({
      modelVersion: v.optional(v.string()),
      items: v.array(v.object({ label: v.string(), score: v.number() })),
    }),
  ),
  decision: v.optional(
    v.object({
      action: v.string(),
      rule: v.string(),
      reason: v.string(),
      trace: v.array(v.object({ rule: v.string(), matched: v.boolean(), because: v.string() })),
    }),
  ),
});
export type FileDetail = v.InferOutput<typeof fileDetailSchema>;

/** One entry of the change log: the UI follows these and catches up from `seq` after reconnecting. */
export const queueChangeSchema = v.object({
  seq: seqSchema,
  at: epochMs,
  fileId: v.nullable(idSchema),
  kind: v.string(),
  from: v.optional(fileStateSchema),
  to: v.optional(fileStateSchema),
  relPath: v.optional(v.string()),
  folderId: v.optional(v.string()),
  detail: v.optional(v.string()),
});
export type QueueChangeMessage = v.InferOutput<typeof queueChangeSchema>;

export const LINK_STATES = ['online', 'offline', 'paused', 'unknown'] as const;
export const linkStateSchema = v.picklist(LINK_STATES);

/** A destination's connectivity as the offline banner shows it. */
export const destinationLinkSchema = v.object({
  name: v.string(),
  state: linkStateSchema,
  since: v.optional(epochMs),
  lastSuccessAt: v.optional(epochMs),
  nextProbeAt: v.optional(epochMs),
  /** Operator words: what is wrong and what to do. */
  message: v.optional(v.string()),
  /** Where it is, e.g. "s3://bucket at https://…" or "folder /mnt/share". */
  label: v.optional(v.string()),
  isDefault: v.optional(v.boolean()),
  isLocalDemo: v.optional(v.boolean()),
  /** Why uploads are paused: offline, auth, permission, not_found, misconfigured, full. */
  pausedFor: v.optional(v.string()),
  /** This destination's uploads by state (queued, uploading, uploaded, failed, …). */
  counts: v.optional(v.record(v.string(), count)),
  /** Uploads running now, and their speed. */
  inFlight: v.optional(count),
  bytesPerSecond: v.optional(v.pipe(v.number(), v.minValue(0))),
});
export type DestinationLink = v.InferOutput<typeof destinationLinkSchema>;

export const problemSchema = v.object({
  at: epochMs,
  kind: v.string(),
  message: v.string(),
  fix: v.optional(v.string()),
});
export type Problem = v.InferOutput<typeof problemSchema>;
