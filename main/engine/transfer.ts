import type { ResolvedConfig } from './config/types.ts';
import type { LinkMemory } from './link-memory.ts';
import type { CaptureQueue } from './queue/queue.ts';
import type { FileRecord } from './queue/types.ts';
import type { ConfigDiff } from './reconfigure.ts';
import { RetentionManager, type RetentionStatus } from './retention/index.ts';
import { type DestinationStatus, FanOut } from './upload/fan-out.ts';
import { sidecarLocator } from './upload/sidecar-upload.ts';
import type { UploaderStatus } from './upload/uploader.ts';
import type { AfterUploadHook } from './upload/uploader-types.ts';

export interface TransferHooks {
  now: () => number;
  /** A destination's link changed. */
  onStatus: () => void;
  /** The disk guard paused capture (with why), or lifted its pause (undefined). */
  onCaptureGate: (pausedReason: string | undefined) => void;
  recordUnexpected: (where: string, error: unknown) => void;
}

/**
 * Uploads (one uploader per destination) and local retention, swappable under a running engine:
 * a live config change stops the old uploaders the way engine.stop does (uploads in flight record
 * where they stopped and resume) and starts new ones on the new config; the queue is not touched.
 * The operator's pause and bandwidth limits set at run time carry over.
 */
export class Transfer {
  private config: ResolvedConfig;
  private readonly queue: CaptureQueue;
  private readonly hooks: TransferHooks;
  private fanOut?: FanOut;
  private retention?: RetentionManager;
  private operatorPaused = false;
  /** Limits set at run time ('' the site's), re-applied to new uploaders unless the config changed them. */
  private readonly bandwidthOverrides = new Map<string, string>();
  /** The uploaders reach whichever retention manager is current through this. */
  private readonly afterUpload: AfterUploadHook;

  constructor(config: ResolvedConfig, queue: CaptureQueue, hooks: TransferHooks) {
    this.config = config;
    this.queue = queue;
    this.hooks = hooks;
    const current = () => this.retention;
    this.afterUpload = {
      get removesLocalCopy() {
        return current()?.removesLocalCopy ?? false;
      },
      afterUploadInTransaction: (record: FileRecord) => current()?.afterUploadInTransaction(record) ?? record,
    };
  }

  start(operatorPaused: boolean): void {
    this.operatorPaused = operatorPaused;
    this.retention = this.newRetention(this.config);
    this.fanOut = this.newFanOut(this.config);
    this.fanOut.start();
    this.retention.start();
  }

  async stop(): Promise<void> {
    await this.fanOut?.stop();
    await this.retention?.stop();
  }

  /** Applies a new config's upload, destination and retention settings (see reconfigure.ts). */
  async reconfigure(next: ResolvedConfig, diff: ConfigDiff): Promise<void> {
    this.config = next;
    if (diff.retention) await this.swapRetention(next);
    // A limit the new config changes replaces the one set at run time.
    for (const name of diff.bandwidth.keys()) this.bandwidthOverrides.delete(name);
    if (diff.transfer) await this.swapFanOut(next);
    else {
      for (const [name, spec] of diff.bandwidth)
        this.fanOut?.setBandwidth(spec, name === '' ? undefined : name);
    }
  }

  private async swapFanOut(next: ResolvedConfig): Promise<void> {
    // Statuses keep coming from the old uploaders while they stop.
    await this.fanOut?.stop();
    this.fanOut = undefined;
    this.fanOut = this.newFanOut(next);
    this.fanOut.start();
  }

  private async swapRetention(next: ResolvedConfig): Promise<void> {
    const old = this.retention;
    const wasPaused = old?.capturePaused ?? false;
    await old?.stop();
    let fresh: RetentionManager;
    try {
      fresh = this.newRetention(next, old);
    } catch (error) {
      old?.start();
      throw error;
    }
    this.retention = fresh;
    // The new guard starts unpaused: measure now, so a full disk stays paused and a pause lifts.
    await fresh.checkDisk().catch((error) => this.hooks.recordUnexpected('disk guard', error));
    if (wasPaused && !fresh.capturePaused) this.hooks.onCaptureGate(undefined);
    fresh.start();
  }

  private newRetention(config: ResolvedConfig, before?: RetentionManager): RetentionManager {
    const retention = new RetentionManager(this.queue, config.retention, {
      folders: config.folders,
      now: this.hooks.now,
      locks: before?.fileLocks,
    });
    retention.on('pause', (gate) => {
      if (this.retention === retention) this.hooks.onCaptureGate(gate.reason);
    });
    retention.on('resume', () => {
      if (this.retention === retention) this.hooks.onCaptureGate(undefined);
    });
    return retention;
  }

  private newFanOut(config: ResolvedConfig): FanOut {
    const fanOut = new FanOut(config, this.queue, {
      now: this.hooks.now,
      // Keep/delete/archive is decided in the same commit as `uploaded` (durable when a copy is removed).
      afterUpload: this.afterUpload,
      onUploaded: (record) => {
        if (record.state === 'uploaded') {
          this.retention
            ?.afterUpload(record.id)
            .catch((error) => this.hooks.recordUnexpected('retention', error));
        }
      },
      // Prediction sidecars go up beside their captures (and retention then removes them with them).
      sidecars: config.upload.sidecars ? sidecarLocator(config.inspect.sidecarPattern) : undefined,
      onStatus: this.hooks.onStatus,
      deviceFor: (folderId) =>
        this.config.folders.find((f) => f.id === folderId)?.device ?? this.config.device,
    });
    fanOut.setOperatorPause(this.operatorPaused);
    for (const [name, spec] of this.bandwidthOverrides) {
      const known = name === '' || config.destinations.some((d) => d.name === name);
      if (!known) {
        this.bandwidthOverrides.delete(name);
        continue;
      }
      try {
        fanOut.setBandwidth(spec, name === '' ? undefined : name);
      } catch (error) {
        this.hooks.recordUnexpected('bandwidth limit', error);
      }
    }
    return fanOut;
  }

  setOperatorPause(paused: boolean): void {
    this.operatorPaused = paused;
    this.fanOut?.setOperatorPause(paused);
  }

  /** Limits set at run time and in force now ('' the site's, else by destination). */
  liveBandwidth(): ReadonlyMap<string, string> {
    return this.bandwidthOverrides;
  }

  /** A limit set at run time; it lasts until restart, or until the config's own limit for it changes. */
  setBandwidth(spec: string, destination?: string): void {
    if (!this.fanOut) return;
    this.fanOut.setBandwidth(spec, destination);
    this.bandwidthOverrides.set(destination ?? '', spec);
  }

  primary(): UploaderStatus | undefined {
    return this.fanOut?.primary();
  }

  primaryLink(): LinkMemory | undefined {
    return this.fanOut?.primaryLink();
  }

  statuses(): DestinationStatus[] {
    return this.fanOut?.statuses() ?? [];
  }

  siteLimit(): number | undefined {
    return this.fanOut?.siteLimit();
  }

  retentionStatus(): RetentionStatus | undefined {
    return this.retention?.status();
  }

  shouldDropNew(): boolean {
    return this.retention?.shouldDropNew() ?? false;
  }
}
