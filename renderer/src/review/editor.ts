import type { RequestResult } from '../../../shared/contract/index.ts';
import type { CorrectedObject } from './outbox.ts';

/** The reviewer's edit of one item: the objects as they say they are, in image pixels. */
export type ReviewDetail = NonNullable<RequestResult<'review.item'>['item']>;
export type ReviewSummary = RequestResult<'review.list'>['items'][number];
export type Box = { x: number; y: number; w: number; h: number };
export type Prediction = ReviewDetail['predictions'][number];

/** Sidecars may give boxes normalised to 0..1; the contract and COCO want pixels. */
export function isNormalised(box: Box): boolean {
  return (
    box.x >= 0 && box.y >= 0 && box.w > 0 && box.h > 0 && box.x + box.w <= 1.0001 && box.y + box.h <= 1.0001
  );
}

export function toPixels(box: Box, size: { width: number; height: number } | undefined): Box {
  if (!size || !isNormalised(box)) return box;
  return { x: box.x * size.width, y: box.y * size.height, w: box.w * size.width, h: box.h * size.height };
}

/** Whether every prediction box of the item is normalised (then every one is scaled, never some). */
export function normalisedItem(item: Pick<ReviewDetail, 'predictions'>): boolean {
  const boxes = item.predictions.flatMap((p) => (p.box ? [p.box] : []));
  return boxes.length > 0 && boxes.every(isNormalised);
}

/** The model's predictions as corrected objects (accepting them all), boxes in pixels. */
export function fromPredictions(item: ReviewDetail, size = item.imageSize): CorrectedObject[] {
  const scale = normalisedItem(item);
  return item.predictions.map((p, from) => ({
    label: p.label,
    ...(p.box ? { box: round(scale ? toPixels(p.box, size) : p.box) } : {}),
    from,
  }));
}

export function round(box: Box): Box {
  const r = (n: number) => Math.round(n * 10) / 10;
  return { x: r(box.x), y: r(box.y), w: r(box.w), h: r(box.h) };
}

export function setLabel(
  objects: readonly CorrectedObject[],
  index: number,
  label: string,
): CorrectedObject[] {
  return objects.map((o, i) => (i === index ? { ...o, label } : o));
}

export function remove(objects: readonly CorrectedObject[], index: number): CorrectedObject[] {
  return objects.filter((_, i) => i !== index);
}

export function setBox(objects: readonly CorrectedObject[], index: number, box: Box): CorrectedObject[] {
  return objects.map((o, i) => (i === index ? { ...o, box: round(box) } : o));
}

export function add(objects: readonly CorrectedObject[], label: string, box: Box): CorrectedObject[] {
  return [...objects, { label, box: round(box) }];
}

/** Keeps a box inside the picture, at least 2 px wide and high. */
export function clampBox(box: Box, size: { width: number; height: number }): Box {
  const w = Math.max(2, Math.min(box.w, size.width));
  const h = Math.max(2, Math.min(box.h, size.height));
  return {
    x: Math.min(Math.max(0, box.x), size.width - w),
    y: Math.min(Math.max(0, box.y), size.height - h),
    w,
    h,
  };
}

/** Reject: none of the model's objects is right; the reviewer's own additions stay. */
export function rejectAll(objects: readonly CorrectedObject[]): CorrectedObject[] {
  return objects.filter((o) => o.from === undefined);
}

export function sameObjects(a: readonly CorrectedObject[], b: readonly CorrectedObject[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Words for what a correction says compared with the predictions. */
export function describeObjects(item: ReviewDetail, objects: readonly CorrectedObject[]): string {
  const predicted = item.predictions.length;
  const kept = objects.filter((o) => o.from !== undefined);
  const changed = kept.filter((o) => item.predictions[o.from ?? -1]?.label !== o.label).length;
  const added = objects.length - kept.length;
  const deleted = predicted - kept.length;
  if (changed === 0 && added === 0 && deleted === 0 && predicted > 0)
    return `${predicted} prediction${predicted === 1 ? '' : 's'} accepted`;
  const parts = [
    changed ? `${changed} class${changed === 1 ? '' : 'es'} changed` : '',
    deleted ? `${deleted} deleted` : '',
    added ? `${added} added` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'nothing there';
}
