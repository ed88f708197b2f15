import type { FileState } from '../../shared/status.ts';
import { type Decider, STATE_FOR_ACTION } from './decider.ts';
import type { Inspector, SidecarFindings } from './inspect/index.ts';
import type { CaptureQueue } from './queue/queue.ts';
import type { DiscoveredFile, FileRecord } from './queue/types.ts';

/**
 * What a prediction sidecar arriving after its capture was inspected does, by the capture's state:
 * `reinspect` (not decided yet: its inspection reads the sidecar), `redecide` (attach, then decide
 * again: nothing has been sent), `attach` (store the predictions for the review loop; the decision
 * stands because the file is on its way, uploaded, or done with).
 */
const LATE_SIDECAR_EFFECT: Record<FileState, 'reinspect' | 'redecide' | 'attach'> = {
  discovered: 'reinspect',
  inspected: 'reinspect',
  queued: 'redecide',
  held: 'redecide',
  skipped: 'redecide',
  quarantined: 'redecide',
  uploading: 'attach',
  uploaded: 'attach',
  retained: 'attach',
  removed: 'attach',
  failed: 'attach',
  conflict: 'attach',
  vanished: 'attach',
  unreadable: 'attach',
  too_large: 'attach',
  link_refused: 'attach',
};

/** Sidecars already handled in this run (size:mtime), so periodic rescans do not read them again. */
const REMEMBERED_SIDECARS = 50_000;
/** A `{stem}` prefix matches frame, frame.jpg, frame.png ...: enough room for every real owner. */
const OWNER_CANDIDATES = 200;

/**
 * Re-deciding is right only while the decision is still the rules' own and nothing was sent: a file
 * skipped by drop-newest is gone, one quarantined after failed uploads has a history to keep.
 */
function canRedecide(record: FileRecord): boolean {
  if (LATE_SIDECAR_EFFECT[record.state] !== 'redecide' || !record.decision) return false;
  if (record.state === 'queued') return record.upload == null;
  if (record.duplicateOf != null) return true;
  return STATE_FOR_ACTION[record.decision.action] === record.state;
}

function describe(found: SidecarFindings, source: string, state: FileState, redecide: boolean): string {
  const what = found.predictions
    ? `${found.predictions.items.length} prediction(s)${found.predictions.modelVersion ? ` from model ${found.predictions.modelVersion}` : ''}`
    : `no usable predictions (${found.warnings.join('; ')})`;
  const then = redecide ? '; deciding again' : '; the decision stands';
  return `late sidecar ${source}: ${what} attached while ${state}${then}`;
}

export interface LatePredictionHooks {
  /** True while the file's inspection is running or waiting to be committed. */
  inFlight(id: number): boolean;
  /** Schedules a file in `discovered` for inspection. */
  reinspect(id: number): void;
  report(message: string): void;
}

/**
 * Predictions that arrive after their capture was inspected (the sidecar renamed into place or
 * written later): stored with the capture in every state, with a history event, and decided again
 * where the decision can still change.
 */
export class LatePredictions {
  private readonly queue: CaptureQueue;
  private readonly inspector: Inspector;
  private readonly decider: Decider;
  private readonly hooks: LatePredictionHooks;
  private readonly handled = new Map<string, string>();
  private readonly waiting: { sidecarAbsPath: string; ids: number[] }[] = [];
  private running: Promise<void> | undefined;

  constructor(queue: CaptureQueue, inspector: Inspector, decider: Decider, hooks: LatePredictionHooks) {
    this.queue = queue;
    this.inspector = inspector;
    this.decider = decider;
    this.hooks = hooks;
  }

  /**
   * A sidecar reached intake (inside its transaction). Captures still being inspected are sent back
   * to `discovered` (their revision changes, so the look in progress is not committed); the others
   * get the predictions once the sidecar is read (after the commit).
   */
  notice(sidecar: DiscoveredFile): void {
    const identity = `${sidecar.size}:${Math.floor(sidecar.mtimeMs)}`;
    if (this.handled.get(sidecar.absPath) === identity) return;
    const owners = this.ownersOf(sidecar.absPath);
    // Usually the sidecar comes first and its capture does not exist yet: its inspection reads it.
    if (owners.length === 0) return;
    this.remember(sidecar.absPath, identity);
    const attach: number[] = [];
    for (const owner of owners) {
      if (LATE_SIDECAR_EFFECT[owner.state] !== 'reinspect') attach.push(owner.id);
      else if (this.hooks.inFlight(owner.id)) {
        this.queue.revisit(
          owner.id,
          'its prediction sidecar arrived while it was inspected; inspecting again',
        );
        this.hooks.reinspect(owner.id);
      }
    }
    if (attach.length > 0) this.waiting.push({ sidecarAbsPath: sidecar.absPath, ids: attach });
  }

  /** Reads the sidecars noticed so far and attaches their predictions (call after the intake commit). */
  flush(): void {
    if (this.waiting.length === 0 || this.running) return;
    this.running = this.attachWaiting()
      .catch((error: unknown) =>
        this.hooks.report(`Late prediction sidecars could not be attached: ${(error as Error).message}`),
      )
      .finally(() => {
        this.running = undefined;
        this.flush();
      });
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private ownersOf(sidecarAbsPath: string): FileRecord[] {
    const owners: FileRecord[] = [];
    for (const prefix of this.inspector.sidecarOwnerPrefixes(sidecarAbsPath)) {
      for (const candidate of this.queue.filesWithPrefix(prefix, OWNER_CANDIDATES)) {
        if (this.inspector.isSidecar(candidate.relPath)) continue;
        if (this.inspector.sidecarPathFor(candidate.absPath) === sidecarAbsPath) owners.push(candidate);
      }
    }
    return owners;
  }

  private remember(sidecarAbsPath: string, identity: string): void {
    this.handled.delete(sidecarAbsPath);
    this.handled.set(sidecarAbsPath, identity);
    if (this.handled.size > REMEMBERED_SIDECARS) {
      const oldest = this.handled.keys().next().value;
      if (oldest !== undefined) this.handled.delete(oldest);
    }
  }

  private async attachWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      const { sidecarAbsPath, ids } = this.waiting.shift()!;
      const first = ids.map((id) => this.queue.get(id)).find((record) => record !== undefined);
      if (!first) continue;
      // One read serves every owner: they share the sidecar and the capture folder.
      const found = await this.inspector.readSidecarOf(first);
      this.queue.transaction(() => {
        for (const id of ids) {
          const error = this.queue.savepoint(() => this.attachOne(id, found));
          if (error) this.hooks.report(`Late sidecar ${sidecarAbsPath}: ${error.message}`);
        }
      });
    }
    this.decider.deleteDropped();
  }

  private attachOne(id: number, found: SidecarFindings): void {
    const record = this.queue.get(id);
    if (!record) return;
    if (LATE_SIDECAR_EFFECT[record.state] === 'reinspect') {
      // Sent back for inspection meanwhile (it changed on disk): that inspection reads the sidecar.
      if (this.hooks.inFlight(id)) {
        this.queue.revisit(id, 'its prediction sidecar arrived while it was inspected; inspecting again');
      }
      this.hooks.reinspect(id);
      return;
    }
    const folderRootLength = record.absPath.length - record.relPath.length;
    const source = this.inspector.sidecarPathFor(record.absPath).slice(folderRootLength);
    const redecide = canRedecide(record);
    const inspection = this.queue.attachPredictions(
      id,
      found,
      describe(found, source, record.state, redecide),
    );
    if (inspection && redecide && found.predictions) this.decider.decide(record, inspection);
  }
}
