/**
 * The simulated sensor's main loop. Pacing is by elapsed time: capture n is due at n / rate seconds,
 * and every wake-up writes all captures that are due (a small burst) instead of one timer per file,
 * so the rate holds at thousands per second and catches up after a stall.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveOptions } from './options.ts';
import { CapturePlanner, type PlannedCapture, type PlannedFile } from './plan.ts';
import { Rng } from './random.ts';
import { claimSeededRunId, randomRunId } from './run-id.ts';
import { truthPathFor } from './truth.ts';
import { CAPTURE_KINDS, type SimulatedCapture, type SimulateOptions, type SimulateStats } from './types.ts';
import { AtomicWriter } from './writer.ts';

/** Waits `ms`, returning early (without throwing) when the signal aborts. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(Math.max(0, ms), undefined, { signal });
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
}

function bytesOf(file: PlannedFile): Promise<Buffer> {
  return typeof file.data === 'function' ? file.data() : Promise.resolve(file.data);
}

/**
 * Writes captures into `opts.to` until `count` captures are written, `durationMs` has passed or
 * `signal` aborts (an abort is a normal stop: the stats are returned, captures already started are
 * finished so no temporary files are left behind). A write error stops the run and is thrown.
 */
export async function simulate(opts: SimulateOptions): Promise<SimulateStats> {
  const resolved = resolveOptions(opts);
  const root = resolve(resolved.to);
  await mkdir(root, { recursive: true });
  const runId =
    opts.runId ?? (opts.seed === undefined ? randomRunId() : await claimSeededRunId(root, opts.seed));
  const planner = new CapturePlanner(new Rng(opts.seed ?? randomBytes(4).readUInt32BE(0)), runId, resolved);
  const writer = new AtomicWriter({ root, tempStyle: resolved.tempStyle, fsync: resolved.fsync });
  const truthDir = resolved.truthDir;
  const truthWriter = truthDir
    ? new AtomicWriter({ root: truthDir, tempStyle: 'suffix', fsync: false })
    : undefined;
  const byKind: Record<string, number> = Object.fromEntries(CAPTURE_KINDS.map((kind) => [kind, 0]));
  const stats: SimulateStats = { captures: 0, files: 0, bytes: 0, byKind, elapsedMs: 0, runId };
  const signal = opts.signal;

  async function writeCapture(planned: PlannedCapture): Promise<void> {
    const mainData = await bytesOf(planned.main);
    // The truth goes first, outside the capture folder: whoever sees the frame can find its answers.
    let truthPath: string | undefined;
    if (truthWriter && truthDir && planned.truth) {
      truthPath = truthPathFor(truthDir, planned.truth.capture);
      await truthWriter.write(
        planned.main.dir,
        basename(truthPath),
        Buffer.from(`${JSON.stringify(planned.truth)}\n`),
      );
    }
    // The sidecar before the image: a watcher that sees the image can count on its predictions being there.
    const sidecarPath = planned.sidecar
      ? await writer.write(planned.sidecar.dir, planned.sidecar.name, await bytesOf(planned.sidecar))
      : undefined;
    const path = await writer.write(planned.main.dir, planned.main.name, mainData);
    const capture: SimulatedCapture = {
      kind: planned.kind,
      path,
      relativePath: planned.main.dir ? `${planned.main.dir}/${planned.main.name}` : planned.main.name,
      hasPii: planned.pii.length > 0,
      pii: planned.pii,
      bytes: mainData.length,
      seq: planned.seq,
    };
    if (planned.truth) capture.truth = planned.truth;
    if (truthPath) capture.truthPath = truthPath;
    if (sidecarPath && planned.sidecar) {
      capture.sidecar = sidecarPath;
      capture.sidecarBytes = planned.sidecar.data.length;
    }
    stats.captures++;
    stats.files += sidecarPath ? 2 : 1;
    stats.bytes += capture.bytes + (capture.sidecarBytes ?? 0);
    byKind[planned.kind] = (byKind[planned.kind] ?? 0) + 1;
    opts.onCapture?.(capture);
  }

  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let issued = 0;
  while (!failure && !signal?.aborted && issued < resolved.count) {
    const elapsed = performance.now() - started;
    if (elapsed >= resolved.durationMs) break;
    if (inFlight.size >= resolved.maxInFlight) {
      await Promise.race(inFlight);
      continue;
    }
    const dueAt = (issued * 1000) / resolved.ratePerSec;
    if (dueAt > elapsed) {
      await pause(Math.min(dueAt, resolved.durationMs) - elapsed, signal);
      continue;
    }
    const task: Promise<void> = writeCapture(planner.plan(issued, new Date()))
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
    issued++;
  }
  await Promise.all(inFlight);
  stats.elapsedMs = performance.now() - started;
  if (failure) throw failure.error;
  return stats;
}
