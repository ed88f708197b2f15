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
