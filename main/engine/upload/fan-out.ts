import type { ResolvedConfig } from '../config/types.ts';
import { type LinkMemory, LinkRecorder, readLinkMemory } from '../link-memory.ts';
import type { DeliveryState } from '../queue/delivery-types.ts';
import type { CaptureQueue } from '../queue/queue.ts';
import { BandwidthLimiter, formatRate, parseBandwidth } from './bandwidth.ts';
import { createDestination } from './destinations/index.ts';
import type { SidecarLocator } from './sidecar-upload.ts';
import type { Destination } from './types.ts';
import { Uploader } from './uploader.ts';
import type { AfterUploadHook, UploaderContext, UploaderStatus } from './uploader-types.ts';

/** One destination as status, the CLI and the UI show it. */
export interface DestinationStatus extends UploaderStatus {
  /** Rules without `to:` send files here. */
  isDefault: boolean;
  /** What the link memory says, across restarts: last success, an outage not yet over. */
  link: LinkMemory;
  /** This destination's deliveries by state. */
  counts: Partial<Record<DeliveryState, number>>;
  /** Files at once to this destination. */
  concurrency: number;
}

export interface FanOutContext {
  now: () => number;
  afterUpload: AfterUploadHook;
  onUploaded: UploaderContext['onUploaded'];
  sidecars?: SidecarLocator;
  onStatus: () => void;
  /** A folder's device name; default: from `config` (pass one that follows live folder changes). */
  deviceFor?: (folderId: string) => string;
}

interface Lane {
  name: string;
  isDefault: boolean;
  concurrency: number;
  destination: Destination;
  uploader: Uploader;
  link: LinkRecorder;
}

/**
 * One uploader per destination, each with its own connectivity, probe, concurrency, limit and link
 * memory, sharing the site's bandwidth limit: a store that goes offline pauses only its own uploads.
 */
export class FanOut {
  private readonly lanes: Lane[];
  /** The site's `upload.bandwidth`, when there is more than one lane to share it (else the lane's own). */
  private readonly site?: BandwidthLimiter;
  private readonly queue: CaptureQueue;

  constructor(config: ResolvedConfig, queue: CaptureQueue, ctx: FanOutContext) {
    this.queue = queue;
    const { upload } = config;
    const resolved = config.destinations;
    // A single destination without its own limit is paced by the site's limit alone, as it always was.
    const shared = resolved.length > 1 || resolved.some((d) => d.bandwidth !== undefined);
    if (shared) this.site = new BandwidthLimiter(upload.bandwidth);
    queue.deliveries.setDefaults(config.defaultDestinations);
    const adopted = queue.deliveries.adopt(resolved.map((d) => d.name));
    if (adopted > 0) {
      queue.note(
        'upload',
        `${adopted} upload(s) queued for a destination no longer in the config go to ${config.defaultDestinations[0]}`,
      );
    }
    this.lanes = resolved.map((d) => {
      const concurrency = d.concurrency ?? upload.concurrency;
      const destination = createDestination(d.config, {
        dataDir: config.dataDir,
        name: d.name,
        upload: { ...upload, maxSockets: concurrency * upload.partConcurrency + 2 },
      });
      const before = readLinkMemory(queue, d.name);
      const settings = {
        ...upload,
        concurrency,
        bandwidth: shared ? (d.bandwidth ?? parseBandwidth('off')) : upload.bandwidth,
      };
      const uploader = new Uploader(queue, destination, settings, {
        site: config.site,
        device: config.device,
        destinationName: d.name,
        siteThrottle: this.site,
        deviceFor:
          ctx.deviceFor ??
          ((folderId) => config.folders.find((f) => f.id === folderId)?.device ?? config.device),
        now: ctx.now,
        linkBeforeRestart: before,
        // Keep/delete/archive is decided in the commit recording the file's last delivery.
        afterUpload: ctx.afterUpload,
        onUploaded: ctx.onUploaded,
        sidecars: ctx.sidecars,
      });
      const link = new LinkRecorder(queue, before, d.name);
      uploader.on('status', (status) => {
        link.record(status);
        ctx.onStatus();
      });
      return { name: d.name, isDefault: d.isDefault, concurrency, destination, uploader, link };
    });
  }

  start(): void {
    for (const lane of this.lanes) lane.uploader.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.uploader.stop()));
    await Promise.all(this.lanes.map((lane) => lane.destination.close()));
  }

  /** Pauses or resumes every destination's uploads at an operator's word (in-flight ones finish). */
  setOperatorPause(paused: boolean): void {
    for (const lane of this.lanes) lane.uploader.setOperatorPause(paused);
  }

  /** The first destination (the only one, for a single `destination:`). */
  primary(): UploaderStatus | undefined {
    return this.lanes[0]?.uploader.status();
  }

  primaryLink(): LinkMemory | undefined {
    const lane = this.lanes[0];
    return lane?.link.record(lane.uploader.status());
  }

  /** Every destination: state, since when, last success, next probe, speed, limit and counts. */
  statuses(): DestinationStatus[] {
    const counts = this.queue.deliveries.counts();
    return this.lanes.map((lane) => {
      const status = lane.uploader.status();
      return {
        ...status,
        isDefault: lane.isDefault,
        link: lane.link.record(status),
        counts: counts[lane.name] ?? {},
        concurrency: lane.concurrency,
      };
    });
  }

  /** The site's limit in force (shared by every destination), when destinations also have their own. */
  siteLimit(): number | undefined {
    return this.site ? this.site.currentLimit() : this.lanes[0]?.uploader.status().bandwidthLimit;
  }

  /**
   * Changes a limit at run time: one destination's, or (no name) the site's. Throws
   * BandwidthSpecError for a bad spec, and Error for a name that is not a destination.
   */
  setBandwidth(spec: string, destination?: string): void {
    if (destination !== undefined) {
      const lane = this.lanes.find((l) => l.name === destination);
      if (!lane) {
        throw new Error(
          `"${destination}" is not a destination (${this.lanes.map((l) => l.name).join(', ')})`,
        );
      }
      lane.uploader.setBandwidth(spec);
      return;
    }
    if (!this.site) {
      this.lanes[0]?.uploader.setBandwidth(spec);
      return;
    }
    this.site.setTimetable(parseBandwidth(spec));
    this.queue.note(
      'upload',
      `site bandwidth limit set to "${spec}" (now ${formatRate(this.site.currentLimit())})`,
    );
  }
}
