export { type AgreementQuery, BUCKETS, type BucketSize } from './agreement.ts';
export { type CocoCategory, type CocoImageInput, cocoChunks, collect } from './coco.ts';
export { dayOf } from './corrections.ts';
export {
  cocoForDay,
  cocoKey,
  correctionBody,
  correctionDocument,
  correctionKey,
  manifestKey,
  manifestLines,
} from './export-content.ts';
export type { ExportPass, ExportStatus } from './exporter.ts';
export { BadCursor } from './review-queue.ts';
export { type ReviewChange, ReviewService, type ReviewServiceOptions, ruleKeyFor } from './service.ts';
export { REVIEW_DEFAULTS, type ReviewConfig, ReviewSettingsError } from './settings.ts';
export * from './types.ts';
