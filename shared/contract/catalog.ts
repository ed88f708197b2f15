import * as v from 'valibot';
import { fileStateSchema } from './domain.ts';

/** Schemas of the Catalog view: search, facets, data sets and their exports. */

const epochMs = v.pipe(v.number(), v.minValue(0));
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const score = v.pipe(v.number(), v.minValue(0), v.maxValue(1));
const word = v.pipe(v.string(), v.minLength(1), v.maxLength(200));
const words = v.pipe(v.array(word), v.maxLength(50));

/** Every field narrows (AND); lists match any of their values, except `tags` (all of them). */
export const catalogFilterSchema = v.strictObject({
  /** Words in path, labels, tags or content type; each word matches as a prefix. */
  text: v.optional(v.pipe(v.string(), v.maxLength(500))),
  /** Every one of these; `pii:` (ending in a colon) means any tag of that family. */
  tags: v.optional(words),
  contentTypes: v.optional(words),
  label: v.optional(word),
  /** Of `label`'s best prediction when set, else of the top prediction. */
  minScore: v.optional(score),
  maxScore: v.optional(score),
  /** Needs the review tables: true reviewed, false not reviewed yet. */
  corrected: v.optional(v.boolean()),
  correctedLabel: v.optional(word),
  folders: v.optional(words),
  devices: v.optional(words),
  states: v.optional(v.pipe(v.array(fileStateSchema), v.maxLength(20))),
  /** true: the core has it (uploaded, retained, removed locally); false: it does not yet. */
  stored: v.optional(v.boolean()),
  /** Capture time (file mtime), from inclusive, to exclusive. */
  from: v.optional(epochMs),
  to: v.optional(epochMs),
  minSize: v.optional(count),
  maxSize: v.optional(count),
});
export type CatalogFilterMessage = v.InferOutput<typeof catalogFilterSchema>;

export const catalogItemSchema = v.object({
  id: count,
  folderId: v.string(),
  device: v.optional(v.string()),
  relPath: v.string(),
  size: count,
  capturedAt: v.number(),
  contentType: v.optional(v.string()),
  state: fileStateSchema,
  stored: v.boolean(),
  sha256: v.optional(v.string()),
  objectKey: v.optional(v.string()),
  topLabel: v.optional(v.string()),
  topScore: v.optional(v.number()),
  modelVersion: v.optional(v.string()),
  labels: v.array(v.string()),
  tags: v.array(v.string()),
});
export type CatalogItemMessage = v.InferOutput<typeof catalogItemSchema>;

const facetList = v.array(v.object({ value: v.string(), count }));
export const catalogFacetsSchema = v.object({
  labels: facetList,
  contentTypes: facetList,
  tags: facetList,
  folders: facetList,
  devices: facetList,
  total: count,
  /** false: the search matched more files than the facets counted (the newest 100,000). */
  exact: v.boolean(),
});

export const catalogSearchParamsSchema = v.strictObject({
  filter: catalogFilterSchema,
  order: v.optional(v.picklist(['newest', 'oldest'])),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(100))),
  limit: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)),
});
export const catalogPageSchema = v.object({
  items: v.array(catalogItemSchema),
  nextCursor: v.optional(v.string()),
});

export const datasetSchema = v.object({
  id: count,
  name: v.string(),
  description: v.optional(v.string()),
  filter: catalogFilterSchema,
  destination: v.optional(v.string()),
  createdAt: epochMs,
  createdBy: v.optional(v.string()),
  members: count,
});
export type DatasetMessage = v.InferOutput<typeof datasetSchema>;

export const datasetSaveParamsSchema = v.strictObject({
  /** Letters, digits, dot, dash, underscore: it becomes part of the export's object keys. */
  name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/)),
  description: v.optional(v.pipe(v.string(), v.maxLength(2000))),
  filter: catalogFilterSchema,
  /** Where exports go; absent: the site's first default destination. */
  destination: v.optional(word),
});

export const datasetExportParamsSchema = v.strictObject({
  id: count,
  /** Also send members the store does not have yet (skipped or held) to the data set's destination. */
  uploadMissing: v.optional(v.boolean()),
});

const writtenSchema = v.object({ key: v.string(), bytes: count });

export const datasetExportOutcomeSchema = v.object({
  dataset: v.string(),
  destination: v.string(),
  manifest: writtenSchema,
  coco: v.optional(
    v.object({ key: v.string(), bytes: count, images: count, annotations: count, categories: count }),
  ),
  cocoSkipped: count,
  files: count,
  queued: v.optional(
    v.object({
      queued: count,
      already: count,
      refused: v.array(v.object({ id: count, why: v.string() })),
    }),
  ),
});

/** Progress of one export, then its outcome or what went wrong (sent to every connected UI). */
export const datasetExportEventSchema = v.object({
  exportId: v.string(),
  dataset: v.string(),
  phase: v.picklist(['queue', 'manifest', 'coco', 'done', 'failed']),
  done: count,
  total: count,
  outcome: v.optional(datasetExportOutcomeSchema),
  error: v.optional(v.string()),
});
