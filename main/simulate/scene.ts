/**
 * What a simulated camera sees: a background and a few objects of known classes, each inside a box.
 * Plain data drawn from the Rng, so the same seed gives the same scene; drawing it is scene-svg.ts.
 */
import type { Rng } from './random.ts';

export const FRAME_WIDTH = 640;
export const FRAME_HEIGHT = 480;

/** The detector's classes. `car` stands for any vehicle. */
export const LABELS = ['person', 'car', 'forklift', 'pallet', 'helmet'] as const;
export type Label = (typeof LABELS)[number];

/** Normalised to the frame (0..1): top-left corner plus size, as the sidecars write them. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface SceneObject {
  label: Label;
  box: Box;
}

/** A plain wall, or a vertical gradient from `top` to `bottom` (sky to floor). Colours are [r, g, b]. */
export interface Background {
  top: [number, number, number];
  bottom: [number, number, number];
}

export interface Scene {
  width: number;
  height: number;
  background: Background;
  objects: SceneObject[];
}

/** Size ranges (fractions of the frame) that give each class its usual shape: people tall, pallets flat. */
const SIZES: Record<Label, { w: [number, number]; h: [number, number] }> = {
  person: { w: [0.06, 0.14], h: [0.22, 0.45] },
  car: { w: [0.2, 0.38], h: [0.13, 0.24] },
  forklift: { w: [0.15, 0.28], h: [0.22, 0.36] },
  pallet: { w: [0.12, 0.24], h: [0.07, 0.12] },
  helmet: { w: [0.06, 0.09], h: [0.06, 0.09] },
};

/** Light, low-saturation walls and floors, so every class colour (and the dark parts) stands out. */
const BACKGROUNDS: [number, number, number][] = [
  [196, 202, 208],
  [214, 210, 200],
  [180, 190, 186],
  [206, 206, 214],
  [170, 178, 190],
];

/** Gap kept between objects (pixels), so nothing drawn for one object lands in another's box. */
const GAP_PX = 10;
const PLACEMENT_TRIES = 40;

function overlaps(a: Box, b: Box): boolean {
  const gx = GAP_PX / FRAME_WIDTH;
  const gy = GAP_PX / FRAME_HEIGHT;
  return a.x < b.x + b.w + gx && b.x < a.x + a.w + gx && a.y < b.y + b.h + gy && b.y < a.y + a.h + gy;
}

function background(rng: Rng): Background {
  const top = rng.pick(BACKGROUNDS);
  if (rng.chance(0.4)) return { top, bottom: top };
  const bottom = rng.pick(BACKGROUNDS);
  return { top, bottom };
}

/** 0 to 4 objects that do not touch each other; a crowded frame may end up with fewer. */
export function makeScene(rng: Rng): Scene {
  const wanted = rng.int(0, 4);
  const objects: SceneObject[] = [];
  for (let i = 0; i < wanted; i++) {
    const label = rng.pick(LABELS);
    const size = SIZES[label];
    const w = rng.float(size.w[0], size.w[1], 3);
    const h = rng.float(size.h[0], size.h[1], 3);
    for (let attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
      const box = { x: rng.float(0, 1 - w, 3), y: rng.float(0, 1 - h, 3), w, h };
      if (objects.some((other) => overlaps(box, other.box))) continue;
      objects.push({ label, box });
      break;
    }
  }
  return { width: FRAME_WIDTH, height: FRAME_HEIGHT, background: background(rng), objects };
}
