import type { DatabaseSync } from 'node:sqlite';
import { type CocoCategory, type CocoImageInput, cocoChunks } from './coco.ts';
import { recordOf } from './corrections.ts';
import { dateParts, fillKey, type ReviewSettings } from './settings.ts';
import type { CorrectionRecord } from './types.ts';

/** Bumped when the shape of the correction object changes, so a pipeline can tell them apart. */
export const CORRECTION_FORMAT = 'edge-capture.correction/1';

type KeySettings = Pick<ReviewSettings, 'keyTemplate' | 'manifestKey' | 'cocoKey' | 'site' | 'device'>;

/** Where a correction's object goes (before the destination's prefix): deterministic, so a re-send lands on itself. */
export function correctionKey(settings: KeySettings, record: CorrectionRecord, day: string): string {
  return fillKey(settings.keyTemplate, {
    site: settings.site,
    device: settings.device,
    ...dateParts(day),
    id: record.id,
    reviewer: record.reviewer,
    model: record.modelVersion ?? 'unknown',
  });
}

export function manifestKey(settings: KeySettings, day: string): string {
  return fillKey(settings.manifestKey, { site: settings.site, device: settings.device, ...dateParts(day) });
}

export function cocoKey(settings: KeySettings, day: string): string {
  return fillKey(settings.cocoKey, { site: settings.site, device: settings.device, ...dateParts(day) });
}

/**
 * The object stored for one correction. Only what never changes after it was stored goes in
 * (not who superseded it later), so the same correction always makes the same bytes.
 */
export function correctionDocument(record: CorrectionRecord, site: string): Record<string, unknown> {
  return {
    format: CORRECTION_FORMAT,
    id: record.id,
    site,
    reviewer: record.reviewer,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    modelVersion: record.modelVersion ?? null,
    capture: {
      objectKey: record.objectKey ?? null,
      sha256: record.sha256,
      fileId: record.fileId,
      ...(record.imageSize ? { width: record.imageSize.width, height: record.imageSize.height } : {}),
    },
    original: record.original,
    corrected: { verdict: record.verdict, objects: record.objects },
    supersedes: record.supersedes ?? null,
    note: record.note ?? null,
  };
}

export function correctionBody(record: CorrectionRecord, site: string): string {
  return `${JSON.stringify(correctionDocument(record, site), null, 2)}\n`;
}

/** The day's corrections, grouped by capture (rows of one file together, oldest first). */
function dayRows(db: DatabaseSync, day: string): Iterable<Record<string, unknown>> {
  return db
    .prepare(
      `SELECT c.*, f.object_key AS file_object_key, f.rel_path, r.review_state
       FROM corrections c LEFT JOIN files f ON f.id = c.file_id LEFT JOIN review_items r ON r.file_id = c.file_id
       WHERE c.day = ? ORDER BY c.file_id, c.created_at, c.seq`,
    )
    .iterate(day) as Iterable<Record<string, unknown>>;
}

interface CaptureGroup {
  fileId: number;
  captureKey: string | undefined;
  relPath: string | undefined;
  reviewState: string;
  corrections: CorrectionRecord[];
}

function* byCapture(db: DatabaseSync, day: string): Generator<CaptureGroup> {
  let group: CaptureGroup | undefined;
  for (const row of dayRows(db, day)) {
    const record = recordOf(row);
    if (group?.fileId !== record.fileId) {
      if (group) yield group;
      group = {
        fileId: record.fileId,
        captureKey:
          record.objectKey ?? (row['file_object_key'] == null ? undefined : String(row['file_object_key'])),
        relPath: row['rel_path'] == null ? undefined : String(row['rel_path']),
        reviewState: String(row['review_state'] ?? 'reviewed'),
        corrections: [],
      };
    }
    group.corrections.push(record);
  }
  if (group) yield group;
}

/** The capture's answer in this export: the latest current correction, unless reviewers disagree. */
function settled(group: CaptureGroup): CorrectionRecord | undefined {
  if (group.reviewState === 'conflict') return undefined;
  return group.corrections.filter((c) => c.supersededBy === undefined).at(-1);
}

/**
 * The day's manifest, one JSON line per capture corrected that day: its object key and sha256, the
 * labels the reviewers settled on (absent while they disagree), and each correction with its key.
 */
export function* manifestLines(db: DatabaseSync, settings: KeySettings, day: string): Generator<string> {
  for (const group of byCapture(db, day)) {
    const answer = settled(group);
    const first = group.corrections[0]!;
    const line = {
      key: group.captureKey ?? null,
      sha256: first.sha256,
      fileId: group.fileId,
      path: group.relPath ?? null,
      modelVersion: first.modelVersion ?? null,
      predicted: first.original.items.map((item) => item.label),
      reviewState: group.reviewState,
      labels: answer ? answer.objects.map((o) => o.label) : null,
      objects: answer ? answer.objects : null,
      corrections: group.corrections.map((c) => ({
        id: c.id,
        key: correctionKey(settings, c, day),
        reviewer: c.reviewer,
        createdAt: new Date(c.createdAt).toISOString(),
        verdict: c.verdict,
        current: c.supersededBy === undefined,
      })),
    };
    yield `${JSON.stringify(line)}\n`;
  }
}

/** Stable category ids: a class keeps the id it got the first time any export saw it. */
export function categoriesFor(db: DatabaseSync, labels: Iterable<string>): CocoCategory[] {
  const insert = db.prepare('INSERT OR IGNORE INTO review_categories (name) VALUES (?)');
  for (const label of labels) insert.run(label);
  return db
    .prepare('SELECT id, name FROM review_categories ORDER BY id')
    .all()
    .map((row) => ({ id: Number(row['id']), name: String(row['name']) }));
}

function* cocoImages(db: DatabaseSync, day: string): Generator<CocoImageInput> {
  for (const group of byCapture(db, day)) {
    const answer = settled(group);
    if (!answer?.imageSize) continue;
    const objects = answer.objects.flatMap((o) => (o.box ? [{ label: o.label, box: o.box }] : []));
    yield {
      id: group.fileId,
      fileName: group.captureKey ?? group.relPath ?? `file-${group.fileId}`,
      width: answer.imageSize.width,
      height: answer.imageSize.height,
      sha256: answer.sha256,
      objects,
    };
  }
}

/**
 * The day's COCO detection file: every capture corrected that day whose reviewers agree and whose
 * pixel size is known, with their boxes. Categories are every class ever exported (stable ids).
 */
export function cocoForDay(db: DatabaseSync, day: string, now: number): AsyncGenerator<string> {
  const labels = new Set<string>();
  for (const image of cocoImages(db, day)) for (const o of image.objects) labels.add(o.label);
  const categories = categoriesFor(db, [...labels].sort());
  return cocoChunks(
    {
      description: `Edge Capture review corrections of ${day}`,
      version: '1',
      dateCreated: new Date(now).toISOString(),
    },
    categories,
    () => cocoImages(db, day),
  );
}
