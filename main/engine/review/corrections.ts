import { createHash } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { Prediction } from '../../../shared/inspection.ts';
import type { CaptureQueue } from '../queue/queue.ts';
import type { FileRecord } from '../queue/types.ts';
import { objectsProblem, outcomesOf, sameObjects, verdictOf } from './compare.ts';
import type { CorrectionInput, CorrectionRecord, ReviewState, SubmitOutcome } from './types.ts';

/** The UTC day a correction belongs to: its manifest and COCO file are that day's. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** What makes two submissions of one id the same record (the outbox re-sends it unchanged). */
function bodyHash(input: CorrectionInput): string {
  const body = {
    fileId: input.fileId,
    sha256: input.sha256,
    reviewer: input.reviewer,
    objects: input.objects,
    createdAt: input.createdAt,
    note: input.note ?? null,
  };
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

export function recordOf(row: Record<string, unknown>): CorrectionRecord {
  const optional = (v: unknown) => (v == null ? undefined : String(v));
  const width = row['image_width'];
  const height = row['image_height'];
  return {
    id: String(row['id']),
    fileId: Number(row['file_id']),
    sha256: String(row['sha256']),
    objectKey: optional(row['object_key']),
    modelVersion: optional(row['model_version']),
    reviewer: String(row['reviewer']),
    createdAt: Number(row['created_at']),
    updatedAt: Number(row['updated_at']),
    receivedAt: Number(row['received_at']),
    original: JSON.parse(String(row['original'])),
    objects: JSON.parse(String(row['objects'])),
    verdict: row['verdict'] as CorrectionRecord['verdict'],
    note: optional(row['note']),
    imageSize: width == null || height == null ? undefined : { width: Number(width), height: Number(height) },
    supersedes: optional(row['supersedes']),
    supersededBy: optional(row['superseded_by']),
  };
}

/** Pixel size from the inspection (EXIF or the image header), when it knows it. */
export function imageSizeOf(file: FileRecord): { width: number; height: number } | undefined {
  const exif = file.inspection?.exif;
  const width = Number(exif?.['ImageWidth']);
  const height = Number(exif?.['ImageHeight']);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

export interface CorrectionsOptions {
  now: () => number;
  /** The destination the exporter sends to: each stored correction is pending there. */
  destination: () => string | undefined;
  /** The key the site's rules give a capture not sent anywhere yet (a held one). */
  keyFor?: (file: FileRecord) => string | undefined;
}

/**
 * Corrections: stored once per id (re-sends are no-ops), every reviewer's kept, the same
 * reviewer's later one superseding their earlier one (both kept), the item's review state (and
 * conflict) recomputed in the same transaction.
 */
export class Corrections {
  private readonly db: DatabaseSync;
  private readonly queue: CaptureQueue;
  private readonly options: CorrectionsOptions;

  constructor(queue: CaptureQueue, options: CorrectionsOptions) {
    this.queue = queue;
    this.options = options;
    this.db = queue.database;
  }

  /** Stores a batch in one transaction; each record gets its own outcome. */
  submit(inputs: readonly CorrectionInput[]): SubmitOutcome[] {
    return this.queue.transaction(() => inputs.map((input) => this.submitOne(input)));
  }

  private submitOne(input: CorrectionInput): SubmitOutcome {
    const existing = this.db.prepare('SELECT * FROM corrections WHERE id = ?').get(input.id);
    if (existing) {
      if (existing['body_hash'] === bodyHash(input))
        return { id: input.id, status: 'duplicate', record: recordOf(existing) };
      return {
        id: input.id,
        status: 'refused',
        why: `Correction ${input.id} is already recorded with other content; a change needs a new correction (new id).`,
      };
    }
    const file = this.queue.get(input.fileId);
    if (!file) return { id: input.id, status: 'refused', why: 'This file is no longer in the queue.' };
    if (file.sha256 !== input.sha256) {
      return {
        id: input.id,
        status: 'refused',
        why: file.sha256
          ? 'The capture changed on disk since this correction was made; its predictions are about other content now.'
          : 'The capture is being inspected again; send this correction once it is.',
      };
    }
    const predicted: Prediction[] = file.inspection?.predictions?.items ?? [];
    const problem = objectsProblem(input.objects, predicted.length);
    if (problem)
      return { id: input.id, status: 'refused', why: `This correction cannot be stored: ${problem}` };
    const modelVersion = file.inspection?.predictions?.modelVersion;
    const now = this.options.now();
    const imageSize = input.imageSize ?? imageSizeOf(file);
    // The same reviewer's current correction of this capture: the later of the two stays current.
    const earlier = this.db
      .prepare(
        `SELECT id, created_at FROM corrections WHERE file_id = ? AND sha256 = ? AND reviewer = ?
         AND superseded_by IS NULL`,
      )
      .get(input.fileId, input.sha256, input.reviewer);
    const arrivedLate = earlier !== undefined && Number(earlier['created_at']) > input.createdAt;
    const record: CorrectionRecord = {
      id: input.id,
      fileId: input.fileId,
      sha256: input.sha256,
      objectKey: file.objectKey ?? file.decision?.objectKey ?? this.options.keyFor?.(file),
      modelVersion,
      reviewer: input.reviewer,
      createdAt: input.createdAt,
      updatedAt: input.updatedAt ?? input.createdAt,
      receivedAt: now,
      original: { ...(modelVersion ? { modelVersion } : {}), items: predicted },
      objects: input.objects,
      verdict: verdictOf(predicted, input.objects, imageSize),
      note: input.note,
      imageSize,
      supersedes: earlier && !arrivedLate ? String(earlier['id']) : undefined,
      // An outbox may deliver an older correction after a newer one: it is history at once.
      supersededBy: arrivedLate ? String(earlier['id']) : undefined,
    };
    this.insert(record, bodyHash(input));
    if (earlier && !arrivedLate) {
      this.db
        .prepare('UPDATE corrections SET superseded_by = ? WHERE id = ?')
        .run(record.id, String(earlier['id']));
      this.db.prepare('DELETE FROM correction_outcomes WHERE correction_id = ?').run(String(earlier['id']));
    }
    if (!arrivedLate) {
      const insertOutcome = this.db.prepare(
        'INSERT INTO correction_outcomes (correction_id, at, model_version, label, outcome) VALUES (?, ?, ?, ?, ?)',
      );
      for (const o of outcomesOf(predicted, input.objects, imageSize))
        insertOutcome.run(record.id, record.createdAt, modelVersion ?? 'unknown', o.label, o.outcome);
    }
    this.markForExport(record);
    this.refreshReviewState(input.fileId, now);
    return { id: input.id, status: 'stored', record };
  }

  private insert(record: CorrectionRecord, hash: string): void {
    this.db
      .prepare(
        `INSERT INTO corrections (id, file_id, sha256, object_key, model_version, reviewer, created_at,
           updated_at, received_at, day, original, objects, verdict, note, image_width, image_height,
           supersedes, superseded_by, body_hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.id,
        record.fileId,
        record.sha256,
        record.objectKey ?? null,
        record.modelVersion ?? null,
        record.reviewer,
        record.createdAt,
        record.updatedAt,
        record.receivedAt,
        dayOf(record.createdAt),
        JSON.stringify(record.original),
        JSON.stringify(record.objects),
        record.verdict,
        record.note ?? null,
        record.imageSize?.width ?? null,
        record.imageSize?.height ?? null,
        record.supersedes ?? null,
        record.supersededBy ?? null,
        hash,
      );
  }

  /** The exporter's to-do: this correction's object, and its day's manifest and COCO file. */
  private markForExport(record: CorrectionRecord): void {
    const destination = this.options.destination();
    if (destination === undefined) return;
    this.db
      .prepare('INSERT OR IGNORE INTO correction_exports (correction_id, destination) VALUES (?, ?)')
      .run(record.id, destination);
    // Every day this capture was corrected on: their manifests show which correction is current.
    this.db
      .prepare(
        `INSERT INTO export_days (destination, day) SELECT DISTINCT ?, day FROM corrections WHERE file_id = ?
         ON CONFLICT (destination, day) DO UPDATE SET version = version + 1`,
      )
      .run(destination, record.fileId);
  }

  /** unreviewed (no current correction), reviewed (all reviewers agree) or conflict. */
  private refreshReviewState(fileId: number, now: number): ReviewState {
    const current = this.current(fileId);
    let state: ReviewState = current.length === 0 ? 'unreviewed' : 'reviewed';
    for (const other of current.slice(1)) {
      if (!sameObjects(current[0]!.objects, other.objects)) state = 'conflict';
    }
    this.db
      .prepare(
        `INSERT INTO review_items (file_id, lane, sort_key, review_state, reviewed_at) VALUES (?, 2, 2.0, ?, ?)
         ON CONFLICT (file_id) DO UPDATE SET review_state = excluded.review_state, reviewed_at = excluded.reviewed_at`,
      )
      .run(fileId, state, now);
    return state;
  }

  /** Each reviewer's current correction of the file's present content, oldest first. */
  current(fileId: number): CorrectionRecord[] {
    const file = this.queue.get(fileId);
    if (!file?.sha256) return [];
    return this.db
      .prepare(
        `SELECT * FROM corrections WHERE file_id = ? AND sha256 = ? AND superseded_by IS NULL
         ORDER BY created_at, seq`,
      )
      .all(fileId, file.sha256)
      .map(recordOf);
  }

  /** Every correction of a file (any content it had), oldest first. */
  forFile(fileId: number): CorrectionRecord[] {
    return this.db
      .prepare('SELECT * FROM corrections WHERE file_id = ? ORDER BY created_at, seq')
      .all(fileId)
      .map(recordOf);
  }

  get(id: string): CorrectionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM corrections WHERE id = ?').get(id);
    return row ? recordOf(row) : undefined;
  }

  count(): number {
    return Number(this.db.prepare('SELECT count(*) AS n FROM corrections').get()?.['n'] ?? 0);
  }
}
