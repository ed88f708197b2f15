import type { ResolvedConfig } from '../engine/config/types.ts';
import type { CaptureQueue } from '../engine/queue/queue.ts';
import type { QueueChange } from '../engine/queue/types.ts';
import type { ReviewService } from '../engine/review/index.ts';
import type { CompiledRules } from '../engine/rules/index.ts';
import type { OperatorPause } from '../engine/runtime-requests.ts';
import type { DestinationStatus } from '../engine/upload/fan-out.ts';

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
    | 'path'
    // Catalog reads index files changed since the indexer's last pass first (bounded).
    | 'indexBeforeRead'
  >;
  /** The config the engine started with (CaptureEngine has it; a bare queue does not). */
  readonly config?: ResolvedConfig;
  /** Reviewing: review queue, corrections, held decisions, agreement, export (CaptureEngine.review). */
  readonly review?: ReviewService;
  /**
   * Applies a new config without a restart (CaptureEngine.reconfigure); throws, with the engine back
   * on its old config, when it cannot.
   */
  reconfigure?(next: ResolvedConfig): Promise<string | undefined>;
  /** Swaps the rules deciding new files (CaptureEngine.applyRules). */
  applyRules?(rules: CompiledRules): void;
  /** Every destination's link, limits and counts (CaptureEngine.destinationStatuses). */
  destinationStatuses?(): DestinationStatus[];
  /** Operator pause of all uploads (CaptureEngine.pauseUploads / resumeUploads / uploadsPaused). */
  pauseUploads?(by: string): OperatorPause;
  resumeUploads?(by: string): void;
  uploadsPaused?(): OperatorPause | undefined;
  /** Changes the site's bandwidth limit, or one destination's, at run time. */
  setBandwidth?(spec: string, destination?: string): void;
  /** Limits set at run time and in force now: '' the site's, else by destination. */
  liveBandwidth?(): ReadonlyMap<string, string>;
  on(event: 'change', listener: (changes: QueueChange[]) => void): unknown;
  off(event: 'change', listener: (changes: QueueChange[]) => void): unknown;
}

/**
 * Engines with destinations say when a link changes with a `status` event (CaptureEngine does).
 * Kept apart from `on` above so engines without it (a bare queue in tests) need not declare it.
 */
export function statusEvents(
  engine: HostedEngine,
): { on(listener: () => void): void; off(listener: () => void): void } | undefined {
  const emitter = engine as unknown as {
    on?: (event: string, listener: () => void) => unknown;
    off?: (event: string, listener: () => void) => unknown;
  };
  if (typeof engine.destinationStatuses !== 'function' || !emitter.on || !emitter.off) return undefined;
  return {
    on: (listener) => void emitter.on?.call(engine, 'status', listener),
    off: (listener) => void emitter.off?.call(engine, 'status', listener),
  };
}
