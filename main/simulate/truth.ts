/**
 * The ground truth of a simulated frame: what is really in it and where the model went wrong. It is
 * never written into the capture folder (the engine would capture it); tests and the review end-to-end
 * test read it from `truthDir`, which mirrors the capture folder's layout, or from `onCapture`.
 */
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Mistake, Sidecar } from './predictions.ts';
import type { Background, SceneObject } from './scene.ts';

export interface GroundTruth {
  /** The capture's path relative to the simulator's `to`, forward slashes. */
  capture: string;
  width: number;
  height: number;
  background: Background;
  /** What is really in the frame. */
  objects: SceneObject[];
  /** Exactly what the sidecar says. */
  sidecar: Sidecar;
  /** Where the sidecar differs from `objects`; everything else in it is right. */
  mistakes: Mistake[];
}

/** `cam1/2026-11-22/frame_x_000001.jpg` → `<truthDir>/cam1/2026-11-22/frame_x_000001.truth.json`. */
export function truthPathFor(truthDir: string, capture: string): string {
  return join(truthDir, `${capture.replace(/\.[^./]+$/, '')}.truth.json`);
}

/** True when `inner` is `outer` or inside it. */
export function isInside(outer: string, inner: string): boolean {
  const rel = relative(resolve(outer), resolve(inner));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
