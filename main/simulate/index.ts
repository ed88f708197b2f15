/** The simulated sensor: writes realistic captures into a folder at a steady rate (see simulate.ts). */
export { DEFAULT_MIX, parseRate } from './options.ts';
export { MODEL_VERSION } from './predictions.ts';
export { CLAIM_DIR } from './run-id.ts';
export { simulate } from './simulate.ts';
export type { CaptureKind, PiiKind, SimulatedCapture, SimulateOptions, SimulateStats } from './types.ts';
export { CAPTURE_KINDS } from './types.ts';
