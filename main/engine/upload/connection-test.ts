import { join, resolve } from 'node:path';
import type { CONNECTION_STEPS } from '../../../shared/contract/settings.ts';
import type { DestinationConfig } from '../../../shared/upload-config.ts';
import { DEFAULT_DESTINATION } from '../queue/delivery-types.ts';
import { filesystemSteps } from './connection-test-fs.ts';
import { s3Steps } from './connection-test-s3.ts';

/**
 * "Test connection" for one destination: a ladder of checks, each reported in operator words with
 * the fix, so an operator setting up a site sees which link of the chain is broken (DNS, TCP, TLS,
 * credentials, bucket, writing…) instead of one opaque error. Nothing is written except a probe of
 * our own (`<prefix>.edge-capture/connection-test-<uuid>`, or a `.edge-capture-connection-test-…`
 * file in a share's root), which is deleted again.
 */

/** The steps, named once in the contract (the UI lists them in this order). */
export type ConnectionStepName = (typeof CONNECTION_STEPS)[number];

export interface ConnectionStepResult {
  step: ConnectionStepName;
  /** The step as a heading, e.g. "TLS handshake". */
  label: string;
  ok: boolean;
  /** Not tried, because an earlier step failed in a way that makes it meaningless. */
  skipped?: boolean;
  /** What was found, in operator words. */
  detail: string;
  /** What to do about it (a failure, or a warning on a step that passed). */
  fix?: string;
}

export interface ConnectionTestReport {
  /** What was tested, e.g. "s3://bucket at http://127.0.0.1:7480" or "folder /mnt/share". */
  target: string;
  ok: boolean;
  steps: ConnectionStepResult[];
  startedAt: number;
  finishedAt: number;
}

/** What a step found. `stop`: later steps cannot tell anything (they are listed as not tried). */
export interface StepOutcome {
  ok: boolean;
  detail: string;
  fix?: string;
  stop?: boolean;
}

export interface PlannedStep {
  step: ConnectionStepName;
  label: string;
  run(signal: AbortSignal): Promise<StepOutcome>;
}

export interface ConnectionTestOptions {
  /** The engine's data folder (the local demo store lives under it). */
  dataDir: string;
  /** The destination's name: keys stored for it are tried when the config has none (default: the config's name, else "default"). */
  destination?: string;
  /** Longest wait for any one answer (default 10 s). */
  stepTimeoutMs?: number;
  signal?: AbortSignal;
}

/** The result of a failed step that ends the test. */
export const failed = (detail: string, fix?: string): StepOutcome => ({ ok: false, detail, fix, stop: true });
/** A failed step after which the others still tell something. */
export const failedButGoOn = (detail: string, fix?: string): StepOutcome => ({ ok: false, detail, fix });
export const passed = (detail: string, fix?: string): StepOutcome => ({ ok: true, detail, fix });

/** Runs the steps in order; after one that stops the test, the rest are listed as not tried. */
export async function runSteps(
  steps: readonly PlannedStep[],
  options: { stepTimeoutMs: number; signal?: AbortSignal },
): Promise<ConnectionStepResult[]> {
  const results: ConnectionStepResult[] = [];
  let stoppedBy: string | undefined;
  for (const planned of steps) {
    const base = { step: planned.step, label: planned.label };
    if (stoppedBy !== undefined) {
      results.push({ ...base, ok: false, skipped: true, detail: `Not tried: ${stoppedBy}.` });
      continue;
    }
    const signal = AbortSignal.any([
      AbortSignal.timeout(options.stepTimeoutMs),
      ...(options.signal ? [options.signal] : []),
    ]);
    let outcome: StepOutcome;
    try {
      outcome = await planned.run(signal);
    } catch (error) {
      outcome = signal.aborted
        ? failed(
            `no answer within ${Math.round(options.stepTimeoutMs / 1000)} s.`,
            'Check that the destination is reachable from this machine (firewall, routing, proxy).',
          )
        : failed(`unexpected error: ${(error as Error).message ?? String(error)}`);
    }
    const detail = outcome.detail.charAt(0).toUpperCase() + outcome.detail.slice(1);
    const result: ConnectionStepResult = { ...base, ok: outcome.ok, detail };
    if (outcome.fix) result.fix = outcome.fix;
    results.push(result);
    if (!outcome.ok && outcome.stop) stoppedBy = `${planned.label.toLowerCase()} failed`;
  }
  return results;
}

/** Tests a destination as configured (resolved paths; credentials as the engine would use them). */
export async function testConnection(
  config: DestinationConfig | undefined,
  options: ConnectionTestOptions,
): Promise<ConnectionTestReport> {
  const startedAt = Date.now();
  const stepTimeoutMs = options.stepTimeoutMs ?? 10_000;
  let target: string;
  let steps: PlannedStep[];
  let cleanup: (() => Promise<void>) | undefined;
  if (config === undefined || config.type === 'local') {
    const path = resolve(config?.path ?? join(options.dataDir, 'local-store'));
    target = `local demo store ${path}`;
    steps = filesystemSteps(path, { createdOnDemand: true });
  } else if (config.type === 'filesystem') {
    target = `folder ${resolve(config.path)}`;
    steps = filesystemSteps(resolve(config.path), { createdOnDemand: false });
  } else {
    const plan = s3Steps(config, {
      stepTimeoutMs,
      storedKeys: {
        dataDir: options.dataDir,
        destination: options.destination ?? config.name ?? DEFAULT_DESTINATION,
      },
    });
    target = plan.target;
    steps = plan.steps;
    cleanup = plan.close;
  }
  try {
    const results = await runSteps(steps, { stepTimeoutMs, signal: options.signal });
    return {
      target,
      ok: results.every((r) => r.ok),
      steps: results,
      startedAt,
      finishedAt: Date.now(),
    };
  } finally {
    await cleanup?.();
  }
}
