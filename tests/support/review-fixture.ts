import type { CaptureQueue } from '../../main/engine/queue/queue.ts';
import type { Decision } from '../../shared/decision.ts';
import type { Inspection, Prediction } from '../../shared/inspection.ts';
import type { FileState } from '../../shared/status.ts';

export interface PredictedCapture {
  name: string;
  predictions?: Prediction[];
  modelVersion?: string;
  /** Where the rule sends it: held, queued (upload), skipped. */
  state?: Extract<FileState, 'held' | 'queued' | 'skipped'>;
  rule?: string;
  folderId?: string;
  sha256?: string;
  width?: number;
  height?: number;
}

const hex = (n: number) => n.toString(16).padStart(64, '0');

/**
 * Puts a capture through the queue as the pipeline does (discover → inspection → decision), so the
 * review triggers see exactly what they see in the engine.
 */
export function addCapture(queue: CaptureQueue, capture: PredictedCapture, seq: number): number {
  const folderId = capture.folderId ?? 'cam';
  const { id } = queue.discover({
    folderId,
    relPath: capture.name,
    absPath: `/captures/${folderId}/${capture.name}`,
    size: 1000 + seq,
    mtimeMs: 1_700_000_000_000 + seq,
  });
  const inspection: Inspection = {
    size: 1000 + seq,
    mtimeMs: 1_700_000_000_000 + seq,
    sha256: capture.sha256 ?? hex(seq + 1),
    contentType: 'image/jpeg',
    contentTypeSource: 'magic',
    tags: {},
    warnings: [],
    exif: { ImageWidth: capture.width ?? 640, ImageHeight: capture.height ?? 480 },
    ...(capture.predictions
      ? { predictions: { modelVersion: capture.modelVersion ?? 'm1', items: capture.predictions } }
      : {}),
  };
  const state = capture.state ?? 'queued';
  queue.transaction(() => {
    queue.saveInspection(id, inspection);
    const decision: Decision = {
      action: state === 'queued' ? 'upload' : state === 'held' ? 'hold' : 'skip',
      rule: capture.rule ?? 'frames',
      ruleIndex: 0,
      reason: state === 'held' ? 'Held for a person: uncertain frame' : 'test',
      priority: 0,
      objectKey: state === 'queued' ? `site/cam/${capture.name}` : undefined,
      metadata: {},
      trace: [],
      decidedAt: 1_700_000_000_000,
    };
    queue.saveDecision(id, decision, state);
  });
  return id;
}

export const box = (x: number, y: number, w: number, h: number) => ({ x, y, w, h });

/** A day of review: three captures, two reviewers (one conflict, one supersede, one held capture). */
export function reviewDay(queue: CaptureQueue, at: number) {
  const street = addCapture(
    queue,
    {
      name: 'street.jpg',
      predictions: [
        { label: 'car', score: 0.62, box: box(100, 120, 80, 40) },
        { label: 'person', score: 0.45, box: box(300, 200, 30, 90) },
      ],
      modelVersion: 'det-2.1',
    },
    1,
  );
  const yard = addCapture(
    queue,
    {
      name: 'yard.jpg',
      predictions: [{ label: 'dog', score: 0.5, box: box(10, 10, 40, 30) }],
      modelVersion: 'det-2.1',
    },
    2,
  );
  const gate = addCapture(
    queue,
    {
      name: 'gate.jpg',
      predictions: [{ label: 'truck', score: 0.3, box: box(0, 0, 200, 100) }],
      state: 'held',
    },
    3,
  );
  const sha = (id: number) => queue.get(id)!.sha256!;
  const corrections = [
    // street: ana accepts the car, relabels the person as a cyclist, adds a dog the model missed.
    {
      id: '0f6f3c1e-0000-4000-8000-000000000001',
      fileId: street,
      sha256: sha(street),
      reviewer: 'ana',
      createdAt: at,
      objects: [
        { label: 'car', box: box(100, 120, 80, 40), from: 0 },
        { label: 'cyclist', box: box(300, 200, 30, 90), from: 1 },
        { label: 'dog', box: box(500, 400, 40, 30) },
      ],
    },
    // yard: ana first says dog, then (superseding) cat.
    {
      id: '0f6f3c1e-0000-4000-8000-000000000002',
      fileId: yard,
      sha256: sha(yard),
      reviewer: 'ana',
      createdAt: at + 1000,
      objects: [{ label: 'dog', box: box(10, 10, 40, 30), from: 0 }],
    },
    {
      id: '0f6f3c1e-0000-4000-8000-000000000003',
      fileId: yard,
      sha256: sha(yard),
      reviewer: 'ana',
      createdAt: at + 2000,
      objects: [{ label: 'cat', box: box(12, 10, 38, 30), from: 0 }],
    },
    // gate: ana and bo disagree (truck vs bus): in conflict, not in COCO.
    {
      id: '0f6f3c1e-0000-4000-8000-000000000004',
      fileId: gate,
      sha256: sha(gate),
      reviewer: 'ana',
      createdAt: at + 3000,
      objects: [{ label: 'truck', box: box(0, 0, 200, 100), from: 0 }],
    },
    {
      id: '0f6f3c1e-0000-4000-8000-000000000005',
      fileId: gate,
      sha256: sha(gate),
      reviewer: 'bo',
      createdAt: at + 4000,
      objects: [{ label: 'bus', box: box(0, 0, 200, 100), from: 0 }],
    },
  ];
  return { street, yard, gate, corrections };
}

interface CocoShape {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: {
    id: number;
    image_id: number;
    category_id: number;
    bbox: number[];
    area: number;
    iscrowd: number;
  }[];
  categories: { id: number; name: string }[];
}

/** Checks a COCO detection file's field structure and that its ids join up; returns it typed. */
export function checkCoco(text: string): CocoShape {
  const coco = JSON.parse(text) as CocoShape;
  const fail = (why: string) => {
    throw new Error(`COCO file: ${why}`);
  };
  if (!Array.isArray(coco.images) || !Array.isArray(coco.annotations) || !Array.isArray(coco.categories))
    fail('images, annotations and categories must be arrays');
  const imageIds = new Set<number>();
  for (const image of coco.images) {
    if (!Number.isInteger(image.id) || typeof image.file_name !== 'string')
      fail('image without id/file_name');
    if (
      !(
        Number.isInteger(image.width) &&
        image.width > 0 &&
        Number.isInteger(image.height) &&
        image.height > 0
      )
    )
      fail(`image ${image.id} without a pixel width and height`);
    if (imageIds.has(image.id)) fail(`image id ${image.id} twice`);
    imageIds.add(image.id);
  }
  const categoryIds = new Set<number>();
  for (const category of coco.categories) {
    if (!Number.isInteger(category.id) || typeof category.name !== 'string') fail('category without id/name');
    categoryIds.add(category.id);
  }
  const annotationIds = new Set<number>();
  for (const a of coco.annotations) {
    if (!Number.isInteger(a.id) || annotationIds.has(a.id)) fail(`annotation id ${a.id} missing or repeated`);
    annotationIds.add(a.id);
    if (!imageIds.has(a.image_id)) fail(`annotation ${a.id}: image_id ${a.image_id} is no image`);
    if (!categoryIds.has(a.category_id))
      fail(`annotation ${a.id}: category_id ${a.category_id} is no category`);
    if (!(Array.isArray(a.bbox) && a.bbox.length === 4 && a.bbox.every(Number.isFinite)))
      fail(`annotation ${a.id}: bbox must be [x, y, width, height]`);
    if (a.area !== a.bbox[2]! * a.bbox[3]!) fail(`annotation ${a.id}: area is not width × height`);
    if (a.iscrowd !== 0 && a.iscrowd !== 1) fail(`annotation ${a.id}: iscrowd must be 0 or 1`);
  }
  return coco;
}
