import * as v from 'valibot';
import { fileStateSchema, idSchema } from './domain.ts';

/**
 * Reviewing: the review queue, corrections (idempotent by id, so the renderer's outbox may re-send),
 * held decisions, agreement with the model, and the export of corrections to the core. Mirrors
 * main/engine/review/types.ts; both sides validate against these.
 */

const finite = v.pipe(v.number(), v.finite());
const time = v.pipe(v.number(), v.integer(), v.minValue(0));
const text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const name = (max: number) => v.pipe(v.string(), v.minLength(1), v.maxLength(max));

export const REVIEW_STATE_NAMES = ['unreviewed', 'reviewed', 'conflict'] as const;
export const reviewStateSchema = v.picklist(REVIEW_STATE_NAMES);

/** Pixels from the image's top-left corner. */
export const boxSchema = v.object({ x: finite, y: finite, w: finite, h: finite });

/** An object as the reviewer says it is; `from`: the index of the prediction it corrects (absent: added). */
export const correctedObjectSchema = v.object({
  label: name(200),
  box: v.optional(boxSchema),
  from: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});

const imageSizeSchema = v.object({
  width: v.pipe(v.number(), v.integer(), v.minValue(1)),
  height: v.pipe(v.number(), v.integer(), v.minValue(1)),
});

const predictionSchema = v.object({
  label: v.string(),
  score: v.number(),
  box: v.optional(v.object({ x: v.number(), y: v.number(), w: v.number(), h: v.number() })),
});

export const correctionInputSchema = v.strictObject({
  /** A UUID the client makes once; submitting the same record again is a no-op. */
  id: v.pipe(v.string(), v.uuid()),
  fileId: idSchema,
  sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  reviewer: name(100),
  objects: v.pipe(v.array(correctedObjectSchema), v.maxLength(2000)),
  createdAt: time,
  updatedAt: v.optional(time),
  note: v.optional(text(2000)),
  imageSize: v.optional(imageSizeSchema),
});

export const correctionRecordSchema = v.object({
  id: v.string(),
  fileId: idSchema,
  sha256: v.string(),
  objectKey: v.optional(v.string()),
  modelVersion: v.optional(v.string()),
  reviewer: v.string(),
  createdAt: time,
  updatedAt: time,
  receivedAt: time,
  original: v.object({ modelVersion: v.optional(v.string()), items: v.array(predictionSchema) }),
  objects: v.array(correctedObjectSchema),
  verdict: v.picklist(['accept', 'correct']),
  note: v.optional(v.string()),
  imageSize: v.optional(imageSizeSchema),
  supersedes: v.optional(v.string()),
  supersededBy: v.optional(v.string()),
});

export const submitOutcomeSchema = v.variant('status', [
  v.object({ id: v.string(), status: v.literal('stored'), record: correctionRecordSchema }),
  v.object({ id: v.string(), status: v.literal('duplicate'), record: correctionRecordSchema }),
  v.object({ id: v.string(), status: v.literal('refused'), why: v.string() }),
]);

export const reviewFilterSchema = v.strictObject({
  label: v.optional(name(200)),
  minScore: v.optional(finite),
  maxScore: v.optional(finite),
  rule: v.optional(text(200)),
  folderId: v.optional(text(200)),
  from: v.optional(time),
  to: v.optional(time),
  reviewStates: v.optional(v.pipe(v.array(reviewStateSchema), v.minLength(1))),
  heldOnly: v.optional(v.boolean()),
});

export const reviewItemSummarySchema = v.object({
  fileId: idSchema,
  relPath: v.string(),
  folderId: v.string(),
  state: fileStateSchema,
  held: v.boolean(),
  contentType: v.optional(v.string()),
  sha256: v.optional(v.string()),
  rule: v.optional(v.string()),
  topLabel: v.optional(v.string()),
  topScore: v.optional(v.number()),
  modelVersion: v.optional(v.string()),
  predictionCount: v.pipe(v.number(), v.integer(), v.minValue(0)),
  reviewState: reviewStateSchema,
  discoveredAt: time,
});

export const reviewItemDetailSchema = v.object({
  ...reviewItemSummarySchema.entries,
  objectKey: v.optional(v.string()),
  absPath: v.string(),
  size: v.pipe(v.number(), v.minValue(0)),
  reason: v.optional(v.string()),
  predictions: v.array(predictionSchema),
  imageSize: v.optional(imageSizeSchema),
  /** Every reviewer's current correction; two that disagree put the item in conflict. */
  current: v.array(correctionRecordSchema),
  superseded: v.array(correctionRecordSchema),
});

/**
 * decided: applied now; duplicate: this decision (same id) was applied before, nothing done again;
 * overtaken: the file had left `held` before it arrived (first one wins; `by` and `decision` name the
 * reviewer who decided first, `agrees` whether they decided the same); refused: cannot be applied.
 */
export const heldOutcomeSchema = v.variant('status', [
  v.object({
    fileId: idSchema,
    status: v.picklist(['decided', 'duplicate']),
    state: fileStateSchema,
    objectKey: v.optional(v.string()),
  }),
  v.object({
    fileId: idSchema,
    status: v.literal('overtaken'),
    state: fileStateSchema,
    by: v.optional(v.string()),
    decision: v.optional(v.picklist(['upload', 'drop'])),
    at: v.optional(time),
    agrees: v.boolean(),
    why: v.string(),
  }),
  v.object({ fileId: idSchema, status: v.literal('refused'), why: v.string() }),
]);

export const agreementBucketSchema = v.object({
  at: time,
  modelVersion: v.string(),
  label: v.string(),
  agreed: v.number(),
  changed: v.number(),
  deleted: v.number(),
  missed: v.number(),
  rate: v.number(),
});

export const exportPassSchema = v.object({
  corrections: v.number(),
  days: v.number(),
  refused: v.array(v.object({ id: v.string(), why: v.string() })),
});

export const exportStatusSchema = v.object({
  destination: v.string(),
  label: v.string(),
  pending: v.number(),
  pendingDays: v.number(),
  lastSuccessAt: v.optional(time),
  problem: v.optional(v.string()),
  running: v.boolean(),
});

export const reviewChangeSchema = v.object({
  fileIds: v.array(idSchema),
  states: v.array(v.object({ fileId: idSchema, reviewState: reviewStateSchema })),
});

/** Joined into REQUESTS. */
/** Most held decisions in one `review.decideHeldMany`. */
export const MAX_HELD_BATCH = 200;

/** A reviewer's word on one held file (see `review.decideHeld`). */
const heldDecisionSchema = v.strictObject({
  /** A UUID the outbox makes once: sending the same decision again applies it once. */
  id: v.optional(v.pipe(v.string(), v.uuid())),
  fileId: idSchema,
  decision: v.picklist(['upload', 'drop']),
  /** When the reviewer decided (an offline outbox sends it later). */
  decidedAt: v.optional(time),
  reviewer: name(100),
  note: v.optional(text(2000)),
});

export const REVIEW_REQUESTS = {
  /** The review queue: held first, then most uncertain; filtered; paged with a cursor. */
  'review.list': {
    params: v.strictObject({
      filter: v.optional(reviewFilterSchema),
      cursor: v.optional(text(200)),
      limit: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500)),
    }),
    result: v.object({ items: v.array(reviewItemSummarySchema), nextCursor: v.optional(v.string()) }),
  },
  /** One item: predictions, image size, every reviewer's current correction and the history. */
  'review.item': {
    params: v.strictObject({ fileId: idSchema }),
    result: v.object({ item: v.nullable(reviewItemDetailSchema) }),
  },
  /** Stores corrections (the outbox's batch); each gets stored, duplicate (already had it) or refused with why. */
  'corrections.submit': {
    params: v.strictObject({
      corrections: v.pipe(v.array(correctionInputSchema), v.minLength(1), v.maxLength(500)),
    }),
    result: v.object({ outcomes: v.array(submitOutcomeSchema) }),
  },
  'corrections.forFile': {
    params: v.strictObject({ fileId: idSchema }),
    result: v.object({ corrections: v.array(correctionRecordSchema) }),
  },
  /**
   * A reviewer's word on a held file: upload (queued under the rules' key) or drop (skipped).
   * Idempotent by id; a file already decided by someone else answers `overtaken`.
   */
  'review.decideHeld': {
    params: heldDecisionSchema,
    result: heldOutcomeSchema,
  },
  /**
   * Several held decisions in one request (the outbox after an offline spell: one round trip per
   * batch, not per decision, on a slow site link). Applied in order, each exactly as
   * `review.decideHeld` would; one answer per decision, in the same order.
   */
  'review.decideHeldMany': {
    params: v.strictObject({
      decisions: v.pipe(v.array(heldDecisionSchema), v.minLength(1), v.maxLength(MAX_HELD_BATCH)),
    }),
    result: v.object({ answers: v.array(heldOutcomeSchema) }),
  },
  /** Agreement with the model per time bucket, model version and class. */
  'review.agreement': {
    params: v.strictObject({
      from: time,
      to: time,
      bucket: v.picklist(['hour', 'day']),
      modelVersion: v.optional(text(200)),
      label: v.optional(text(200)),
    }),
    result: v.object({ buckets: v.array(agreementBucketSchema) }),
  },
  /** The exporter's state; with run: true, exports now and says what it did (or why it could not). */
  'review.export': {
    params: v.strictObject({ run: v.boolean() }),
    result: v.object({
      status: v.nullable(exportStatusSchema),
      pass: v.optional(exportPassSchema),
      problem: v.optional(v.string()),
    }),
  },
} as const;

/** Joined into EVENTS. */
export const REVIEW_EVENTS = {
  /** Corrections or held decisions changed these items (any client's): refresh them. */
  'corrections.changed': reviewChangeSchema,
  /** The exporter confirmed corrections and/or wrote days' manifests and COCO files. */
  'review.exported': exportPassSchema,
} as const;
