import type { Prediction } from '../../../shared/inspection.ts';
import type { FileState } from '../../../shared/status.ts';

/** Where a reviewer's item stands: nobody looked, looked (reviewers agree), reviewers disagree. */
export const REVIEW_STATES = ['unreviewed', 'reviewed', 'conflict'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * One object as the reviewer says it truly is. `from` is the index of the predicted item it
 * corrects (absent: an object the model missed, added by the reviewer). A predicted item no
 * object comes `from` was deleted by the reviewer.
 */
export interface CorrectedObject {
  label: string;
  box?: Box;
  from?: number;
}

/** A correction as the UI sends it (its outbox re-sends the same record until it is confirmed). */
export interface CorrectionInput {
  /** UUID made by the client: submitting it again is a no-op. */
  id: string;
  fileId: number;
  /** The capture's content the reviewer saw. */
  sha256: string;
  reviewer: string;
  /** What the reviewer says is there (an empty list: nothing is). */
  objects: CorrectedObject[];
  createdAt: number;
  updatedAt?: number;
  note?: string;
  /** Pixel size of the image shown, when the engine may not know it (COCO needs it). */
  imageSize?: { width: number; height: number };
}

/** `accept`: the reviewer kept the model's answer as it was; `correct`: they changed something. */
export type Verdict = 'accept' | 'correct';

export interface CorrectionRecord {
  id: string;
  fileId: number;
  sha256: string;
  /** The capture's object key (at its first destination), when it has one. */
  objectKey?: string;
  modelVersion?: string;
  reviewer: string;
  createdAt: number;
  updatedAt: number;
  /** When the engine stored it. */
  receivedAt: number;
  /** The model's predictions the correction is about, as the engine had them. */
  original: { modelVersion?: string; items: Prediction[] };
  objects: CorrectedObject[];
  verdict: Verdict;
  note?: string;
  imageSize?: { width: number; height: number };
  /** The same reviewer's earlier correction of this item that this one replaces. */
  supersedes?: string;
  /** Set once the same reviewer corrected the item again. */
  supersededBy?: string;
}

export type SubmitOutcome =
  | { id: string; status: 'stored'; record: CorrectionRecord }
  | { id: string; status: 'duplicate'; record: CorrectionRecord }
  | { id: string; status: 'refused'; why: string };

/** Which items the review queue shows. Every field narrows; none given: everything reviewable. */
export interface ReviewFilter {
  /** Predicted class (any of the item's predictions). */
  label?: string;
  minScore?: number;
  maxScore?: number;
  rule?: string;
  folderId?: string;
  /** Discovery time range (ms since epoch). */
  from?: number;
  to?: number;
  reviewStates?: ReviewState[];
  /** Only items a rule held for a person's decision. */
  heldOnly?: boolean;
}

export interface ReviewItemSummary {
  fileId: number;
  relPath: string;
  folderId: string;
  state: FileState;
  held: boolean;
  contentType?: string;
  sha256?: string;
  rule?: string;
  topLabel?: string;
  topScore?: number;
  modelVersion?: string;
  predictionCount: number;
  reviewState: ReviewState;
  discoveredAt: number;
}

export interface ReviewPage {
  items: ReviewItemSummary[];
  nextCursor?: string;
}

export interface ReviewItemDetail extends ReviewItemSummary {
  objectKey?: string;
  absPath: string;
  size: number;
  reason?: string;
  predictions: Prediction[];
  imageSize?: { width: number; height: number };
  /** Every reviewer's current correction (more than one that disagree: the item is in conflict). */
  current: CorrectionRecord[];
  /** Corrections later replaced by their reviewer, oldest first. */
  superseded: CorrectionRecord[];
}

export type HeldDecision = 'upload' | 'drop';

/**
 * decided: applied now; duplicate: this decision (its id) was applied before, nothing done again;
 * overtaken: the file had left `held` first (by: the reviewer who decided first, when a reviewer did);
 * refused: cannot be applied, with why.
 */
export type HeldOutcome =
  | { fileId: number; status: 'decided' | 'duplicate'; state: FileState; objectKey?: string }
  | {
      fileId: number;
      status: 'overtaken';
      state: FileState;
      by?: string;
      decision?: HeldDecision;
      at?: number;
      agrees: boolean;
      why: string;
    }
  | { fileId: number; status: 'refused'; why: string };

/** Agreement of reviewers with the model, for one time bucket, model version and class. */
export interface AgreementBucket {
  /** Start of the bucket (ms since epoch, UTC). */
  at: number;
  modelVersion: string;
  label: string;
  agreed: number;
  changed: number;
  deleted: number;
  missed: number;
  /** agreed / (agreed + changed + deleted + missed). */
  rate: number;
}
