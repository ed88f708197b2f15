/** The simulated sensor: writes realistic captures into a folder at a steady rate (see simulate.ts). */
export { DEFAULT_MIX, parseRate } from './options.ts';
export {
  DEFAULT_MISTAKE_RATE,
  MISTAKE_KINDS,
  type Mistake,
  type MistakeKind,
  MODEL_VERSION,
  type Sidecar,
  type SidecarPrediction,
} from './predictions.ts';
export { CLAIM_DIR } from './run-id.ts';
export { type Box, FRAME_HEIGHT, FRAME_WIDTH, LABELS, type Label, type SceneObject } from './scene.ts';
export { simulate } from './simulate.ts';
export { type GroundTruth, truthPathFor } from './truth.ts';
export type { CaptureKind, PiiKind, SimulatedCapture, SimulateOptions, SimulateStats } from './types.ts';
export { CAPTURE_KINDS } from './types.ts';
