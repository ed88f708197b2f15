/** Prediction sidecars as an edge detector would write them next to each frame. */
import type { Rng } from './random.ts';

export const MODEL_VERSION = 'yolo-edge-1.4.2';
export const LABELS = ['person', 'car', 'forklift', 'pallet', 'helmet'] as const;

export interface SidecarPrediction {
  label: string;
  score: number;
  box: { x: number; y: number; w: number; h: number };
}

export interface Sidecar {
  model_version: string;
  predictions: SidecarPrediction[];
}

/** Scores come from three bands so rules on "confident", "uncertain" and "weak" all have work. */
function score(rng: Rng): number {
  const band = rng.next();
  if (band < 0.4) return rng.float(0.9, 0.995, 3);
  if (band < 0.7) return rng.float(0.4, 0.6, 3);
  return rng.float(0.05, 0.4, 3);
}

/** Boxes are normalised to the frame (0..1), top-left corner plus size. */
function box(rng: Rng): SidecarPrediction['box'] {
  const w = rng.float(0.05, 0.5, 3);
  const h = rng.float(0.05, 0.5, 3);
  return { x: rng.float(0, 1 - w, 3), y: rng.float(0, 1 - h, 3), w, h };
}

export function makeSidecar(rng: Rng): Sidecar {
  const count = rng.int(0, 4);
  const predictions: SidecarPrediction[] = [];
  for (let i = 0; i < count; i++)
    predictions.push({ label: rng.pick(LABELS), score: score(rng), box: box(rng) });
  return { model_version: MODEL_VERSION, predictions };
}
