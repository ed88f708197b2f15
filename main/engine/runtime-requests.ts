import type { CaptureQueue } from './queue/queue.ts';

/** Meta key where `edge-capture bandwidth` leaves a new limit for a running engine. */
export const BANDWIDTH_REQUEST_KEY = 'bandwidth_request';

/** Returns a bandwidth spec requested since the last call (or at start, the last one ever made). */
export function takeBandwidthRequest(
  queue: CaptureQueue,
  lastSeenAt: number,
): { spec: string; at: number; destination?: string } | undefined {
  const raw = queue.getMeta(BANDWIDTH_REQUEST_KEY);
  if (!raw) return undefined;
  const request = JSON.parse(raw) as { spec: string; at: number; destination?: string };
  return request.at > lastSeenAt ? request : undefined;
}

/** Meta key holding an operator's pause of all uploads; absent while uploads may run. Survives restarts. */
export const OPERATOR_PAUSE_KEY = 'uploads_paused';

export interface OperatorPause {
  /** When the pause began (ms since the epoch). */
  at: number;
  /** Who asked, in words: `edge-capture pause`, `the UI`, … */
  by: string;
}

export function readOperatorPause(queue: CaptureQueue): OperatorPause | undefined {
  const raw = queue.getMeta(OPERATOR_PAUSE_KEY);
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<OperatorPause>;
    return typeof value.at === 'number' ? { at: value.at, by: String(value.by ?? 'an operator') } : undefined;
  } catch {
    return undefined;
  }
}

/** Records (pause) or clears (undefined) the operator's pause; a running engine applies it within a heartbeat. */
export function writeOperatorPause(queue: CaptureQueue, pause: OperatorPause | undefined): void {
  if (pause) queue.setMeta(OPERATOR_PAUSE_KEY, JSON.stringify(pause));
  else queue.deleteMeta(OPERATOR_PAUSE_KEY);
}
