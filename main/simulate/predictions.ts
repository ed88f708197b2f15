/**
 * Prediction sidecars as an edge detector would write them next to each frame: mostly what the scene
 * holds, plus deliberate mistakes (a wrong class, a missed object, a box off target) at a set rate, so
 * that reviewing the predictions has something to find. The ground truth says exactly where they are.
 */
import type { Rng } from './random.ts';
import { type Box, LABELS, type Label, type SceneObject } from './scene.ts';

export const MODEL_VERSION = 'yolo-edge-1.4.2';
export { LABELS };

/** Share of objects the simulated model gets wrong unless told otherwise. */
export const DEFAULT_MISTAKE_RATE = 0.15;

export interface SidecarPrediction {
  label: string;
  score: number;
  box: Box;
}

export interface Sidecar {
  model_version: string;
  predictions: SidecarPrediction[];
}

export type MistakeKind = 'wrong_class' | 'missed' | 'box_off';
export const MISTAKE_KINDS: readonly MistakeKind[] = ['wrong_class', 'missed', 'box_off'];

/** One deliberate mistake: which object it concerns and, unless missed, the prediction that is wrong. */
export interface Mistake {
  kind: MistakeKind;
  /** Index into the truth's objects. */
  object: number;
  /** Index into the sidecar's predictions (absent for `missed`). */
  prediction?: number;
}

/** Scores come from three bands so rules on "confident", "uncertain" and "weak" all have work. */
function score(rng: Rng): number {
  const band = rng.next();
  if (band < 0.4) return rng.float(0.9, 0.995, 3);
  if (band < 0.7) return rng.float(0.4, 0.6, 3);
  return rng.float(0.05, 0.4, 3);
}

/** A model's mistakes are rarely confident. */
function mistakeScore(rng: Rng): number {
  return rng.chance(0.2) ? rng.float(0.8, 0.95, 3) : rng.float(0.15, 0.65, 3);
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

/**
 * The box moved by 35–60 % of its size on both axes, towards the middle of the frame so it stays in
 * it: its overlap with the true box (IoU) is then at most about 0.27, clearly a wrong box.
 */
function boxOff(rng: Rng, box: Box): Box {
  const shift = (start: number, size: number) => {
    const by = rng.float(0.35, 0.6, 3) * size;
    const towardsMiddle = start + size / 2 < 0.5 ? 1 : -1;
    return round3(Math.min(1 - size, Math.max(0, start + towardsMiddle * by)));
  };
  return { x: shift(box.x, box.w), y: shift(box.y, box.h), w: box.w, h: box.h };
}

function otherLabel(rng: Rng, label: Label): Label {
  return rng.pick(LABELS.filter((other) => other !== label));
}

export interface PredictedScene {
  sidecar: Sidecar;
  mistakes: Mistake[];
}

/** What the model says about `objects`: each is a mistake with chance `mistakeRate`, of a kind picked evenly. */
export function predict(rng: Rng, objects: readonly SceneObject[], mistakeRate: number): PredictedScene {
  const predictions: SidecarPrediction[] = [];
  const mistakes: Mistake[] = [];
  objects.forEach((object, index) => {
    if (!rng.chance(mistakeRate)) {
      predictions.push({ label: object.label, score: score(rng), box: { ...object.box } });
      return;
    }
    const kind = rng.pick(MISTAKE_KINDS);
    if (kind === 'missed') {
      mistakes.push({ kind, object: index });
      return;
    }
    const wrong: SidecarPrediction =
      kind === 'wrong_class'
        ? { label: otherLabel(rng, object.label), score: mistakeScore(rng), box: { ...object.box } }
        : { label: object.label, score: mistakeScore(rng), box: boxOff(rng, object.box) };
    mistakes.push({ kind, object: index, prediction: predictions.length });
    predictions.push(wrong);
  });
  return { sidecar: { model_version: MODEL_VERSION, predictions }, mistakes };
}
