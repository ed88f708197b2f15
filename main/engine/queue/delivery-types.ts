import type { FileState } from '../../../shared/status.ts';
import type { SidecarCopy } from './types.ts';

/**
 * One (file, destination) upload. A file a rule sends to several destinations has one delivery per
 * destination, each with its own state, attempts, multipart progress and last error; the file's own
 * state summarises them (delivery-summary.ts).
 */
export const DELIVERY_STATES = [
  'queued',
  'uploading',
  'uploaded',
  'failed',
  'conflict',
  'quarantined',
] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number] & FileState;

/** The destination a single `destination:` (or none: the local demo store) is known by. */
export const DEFAULT_DESTINATION = 'default';

export interface DeliveryRecord {
  fileId: number;
  destination: string;
  state: DeliveryState;
  /** Position in the file's destination list: the first one's key is the file's `objectKey`. */
  ordinal: number;
  priority: number;
  attempts: number;
  nextAttemptAt?: number;
  lastError?: string;
  /** The key at this destination (template applied; the destination's prefix not yet). */
  objectKey?: string;
  /** Multipart progress at this destination, committed after every part. */
  upload?: unknown;
  /** The prediction sidecar as uploaded beside the capture at this destination. */
  sidecar?: SidecarCopy;
  stateChangedAt: number;
}

export interface DeliveryPatch {
  attempts?: number;
  nextAttemptAt?: number | null;
  lastError?: string | null;
  objectKey?: string | null;
  upload?: unknown;
  sidecar?: SidecarCopy | null;
  /** Not stored on the delivery: carried to the file's `reason` when this delivery decides its state. */
  reason?: string | null;
}

/** Where a decided file goes: one entry per destination, with the key it gets there. */
export interface DeliveryPlan {
  destination: string;
  objectKey?: string;
}

export function isDeliveryState(state: string): state is DeliveryState {
  return (DELIVERY_STATES as readonly string[]).includes(state);
}
