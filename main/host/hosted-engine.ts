import type { CaptureQueue } from '../engine/queue/queue.ts';
import type { QueueChange } from '../engine/queue/types.ts';

/**
 * What the engine host needs from an engine: its queue and its change stream. Narrow on purpose, so
 * the host serves the CLI's engine, the desktop utility process's engine and a test's engine alike.
 */
export interface HostedEngine {
  readonly queue: Pick<
    CaptureQueue,
    'counts' | 'list' | 'changesSince' | 'history' | 'lastSeq' | 'get' | 'transaction' | 'transition'
  >;
  on(event: 'change', listener: (changes: QueueChange[]) => void): unknown;
  off(event: 'change', listener: (changes: QueueChange[]) => void): unknown;
}
