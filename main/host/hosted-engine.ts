import type { ResolvedConfig } from '../engine/config/types.ts';
import type { CaptureQueue } from '../engine/queue/queue.ts';
import type { QueueChange } from '../engine/queue/types.ts';
import type { CompiledRules } from '../engine/rules/index.ts';

/**
 * What the engine host needs from an engine: its queue and its change stream, and (for the Rules
 * view and actions that need an object key) its config and a way to swap its rules. Narrow on
 * purpose, so the host serves the CLI's engine, the desktop utility process's engine and a test's
 * engine alike.
 */
export interface HostedEngine {
  readonly queue: Pick<
    CaptureQueue,
    | 'counts'
    | 'list'
    | 'changesSince'
    | 'history'
    | 'lastSeq'
    | 'get'
    | 'transaction'
    | 'transition'
    | 'saveDecision'
    | 'select'
    | 'note'
  >;
  /** The config the engine started with (CaptureEngine has it; a bare queue does not). */
  readonly config?: ResolvedConfig;
  /** Swaps the rules deciding new files (CaptureEngine.applyRules). */
  applyRules?(rules: CompiledRules): void;
  on(event: 'change', listener: (changes: QueueChange[]) => void): unknown;
  off(event: 'change', listener: (changes: QueueChange[]) => void): unknown;
}
