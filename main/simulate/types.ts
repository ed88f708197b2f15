/** Public types of the simulated sensor: a stand-in for cameras and PLCs writing into a capture folder. */
import type { GroundTruth } from './truth.ts';

export type CaptureKind = 'image' | 'csv' | 'log' | 'json' | 'corrupt' | 'empty' | 'blob';

export const CAPTURE_KINDS: readonly CaptureKind[] = [
  'image',
  'csv',
  'log',
  'json',
  'corrupt',
  'empty',
  'blob',
];

/** Kinds of personal data the simulator plants in text captures. */
export type PiiKind = 'email' | 'phone' | 'card' | 'iban' | 'ip';

export interface SimulateOptions {
  /** Folder to write into (created if missing). */
  to: string;
  /** Captures per second; `Infinity` writes as fast as the disk allows. */
  ratePerSec: number;
  /** Stop after this many captures (default: run until `signal` aborts or `durationMs` passes). */
  count?: number;
  durationMs?: number;
  /** Deterministic content and names for tests. */
  seed?: number;
  signal?: AbortSignal;
  /** Relative weights; kinds left out get weight 0. Default: a realistic mix (see DEFAULT_MIX). */
  mix?: Partial<Record<CaptureKind, number>>;
  /** Spread files over device subfolders like cam1/2026-11-22/ (default true). */
  subdirs?: boolean;
  /** Bench mode: every capture is one `blob` file of exactly this many bytes, no sidecar; `mix` is ignored. */
  fixedSize?: number;
  /** Write as `name.part` (default) or `.name`, then rename into place. */
  tempStyle?: 'suffix' | 'dotfile';
  /** fsync each file before the rename, as careful devices do (default false: faster). */
  fsync?: boolean;
  /** Share (0..1) of csv/log/json captures that contain personal data (default 0.1). */
  piiShare?: number;
  /** Name prefix that keeps runs apart; default: derived from `seed`, else random. */
  runId?: string;
  /** Most captures being written at once (default 32). */
  maxInFlight?: number;
  /** Share (0..1) of objects in frames the simulated model gets wrong (default 0.15). */
  mistakeRate?: number;
  /**
   * Where to write each frame's ground truth as `{stem}.truth.json` (mirroring the capture's subfolders).
   * Must be outside `to`, or the engine would capture it. Default: not written (see `SimulatedCapture.truth`).
   */
  truthDir?: string;
  onCapture?: (c: SimulatedCapture) => void;
}

export interface SimulatedCapture {
  kind: CaptureKind;
  /** Absolute path of the main file. */
  path: string;
  /** Path relative to `to`, with forward slashes. */
  relativePath: string;
  /** Absolute path of the predictions sidecar (images only), written and renamed before the image. */
  sidecar?: string;
  hasPii: boolean;
  /** Which kinds of personal data the file holds (empty when hasPii is false). */
  pii: PiiKind[];
  /** Size of the main file (the sidecar is not counted here). */
  bytes: number;
  /** Size of the sidecar, when there is one. */
  sidecarBytes?: number;
  /** 0-based position in this run. */
  seq: number;
  /** Frames only: what is really in the picture and where the sidecar is wrong. */
  truth?: GroundTruth;
  /** Where the truth was written, when `truthDir` was given. */
  truthPath?: string;
}

export interface SimulateStats {
  captures: number;
  /** Files written, sidecars included. */
  files: number;
  /** Bytes written, sidecars included. */
  bytes: number;
  /** Captures per kind. */
  byKind: Record<string, number>;
  elapsedMs: number;
  runId: string;
}
