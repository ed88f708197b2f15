import type { Prediction } from '../../../shared/inspection.ts';
import type { Box, CorrectedObject, Verdict } from './types.ts';

/** Two hand-drawn boxes of the same object rarely match to the pixel: this much overlap is "the same". */
export const SAME_OBJECT_IOU = 0.8;
/** A box the reviewer left where the model put it (allowing for rounding in the UI). */
const UNMOVED_IOU = 0.98;

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

function sameBox(a: Box | undefined, b: Box | undefined, threshold: number): boolean {
  if (!a || !b) return !a && !b;
  return iou(a, b) >= threshold;
}

/** What the reviewer did to each predicted item, and what they added: the agreement chart's counts. */
export type Outcome = 'agreed' | 'changed' | 'deleted' | 'missed';

/**
 * A sidecar may give every box normalised to 0..1 (the simulator does); corrections are in pixels.
 * With the picture's size known, such predictions are compared in pixels too.
 */
export function predictionBoxesInPixels(
  predicted: readonly Prediction[],
  size: { width: number; height: number } | undefined,
): (Box | undefined)[] {
  const boxes = predicted.map((p) => p.box);
  const present = boxes.filter((b): b is Box => b !== undefined);
  const normalised =
    size !== undefined &&
    present.length > 0 &&
    present.every(
      (b) => b.x >= 0 && b.y >= 0 && b.w > 0 && b.h > 0 && b.x + b.w <= 1.0001 && b.y + b.h <= 1.0001,
    );
  if (!normalised) return boxes;
  return boxes.map((b) =>
    b ? { x: b.x * size.width, y: b.y * size.height, w: b.w * size.width, h: b.h * size.height } : b,
  );
}

export function outcomesOf(
  predicted: readonly Prediction[],
  objects: readonly CorrectedObject[],
  size?: { width: number; height: number },
): { label: string; outcome: Outcome }[] {
  const found: { label: string; outcome: Outcome }[] = [];
  const boxes = predictionBoxesInPixels(predicted, size);
  predicted.forEach((item, index) => {
    const kept = objects.find((object) => object.from === index);
    if (!kept) found.push({ label: item.label, outcome: 'deleted' });
    else if (kept.label !== item.label || !sameBox(kept.box, boxes[index], UNMOVED_IOU))
      found.push({ label: item.label, outcome: 'changed' });
    else found.push({ label: item.label, outcome: 'agreed' });
  });
  for (const object of objects) {
    if (object.from === undefined) found.push({ label: object.label, outcome: 'missed' });
  }
  return found;
}

export function verdictOf(
  predicted: readonly Prediction[],
  objects: readonly CorrectedObject[],
  size?: { width: number; height: number },
): Verdict {
  const outcomes = outcomesOf(predicted, objects, size);
  return outcomes.every((o) => o.outcome === 'agreed') && objects.length === predicted.length
    ? 'accept'
    : 'correct';
}

/**
 * Whether two reviewers say the same thing: the same objects, each pair with the same class and
 * boxes overlapping by SAME_OBJECT_IOU (or both without a box). Order does not matter.
 */
export function sameObjects(a: readonly CorrectedObject[], b: readonly CorrectedObject[]): boolean {
  if (a.length !== b.length) return false;
  const unmatched = [...b];
  for (const object of a) {
    const at = unmatched.findIndex(
      (other) => other.label === object.label && sameBox(other.box, object.box, SAME_OBJECT_IOU),
    );
    if (at < 0) return false;
    unmatched.splice(at, 1);
  }
  return true;
}

/** Why these objects cannot be stored, or undefined when they can. */
export function objectsProblem(
  objects: readonly CorrectedObject[],
  predictedCount: number,
): string | undefined {
  const used = new Set<number>();
  for (const [i, object] of objects.entries()) {
    if (object.label.trim() === '') return `object ${i + 1} has an empty class name.`;
    if (object.from !== undefined) {
      if (!Number.isInteger(object.from) || object.from < 0 || object.from >= predictedCount)
        return `object ${i + 1} says it corrects prediction ${object.from}, but the item has ${predictedCount} prediction(s).`;
      if (used.has(object.from)) return `two objects say they correct prediction ${object.from}.`;
      used.add(object.from);
    }
    const box = object.box;
    if (box && !([box.x, box.y, box.w, box.h].every(Number.isFinite) && box.w > 0 && box.h > 0))
      return `object ${i + 1} has a box without a positive width and height.`;
  }
  return undefined;
}
