import { EventEmitter } from 'node:events';
import type { ResolvedConfig } from '../config/types.ts';
import type { CaptureQueue } from '../queue/queue.ts';
import type { FileRecord } from '../queue/types.ts';
import { compileObjectKey } from '../rules/template.ts';
import { type AgreementQuery, agreement } from './agreement.ts';
import { Corrections, imageSizeOf } from './corrections.ts';
import { type ExportPass, type ExportStatus, ReviewExporter } from './exporter.ts';
import { createHeldTable, decideHeld, type HeldDecisionInput } from './held.ts';
import { ReviewQueue } from './review-queue.ts';
import { applyThreshold } from './schema.ts';
import { type ReviewSettings, reviewSettings } from './settings.ts';
import { createExportSink } from './sinks.ts';
import type {
  AgreementBucket,
  CorrectionInput,
  HeldOutcome,
  ReviewFilter,
  ReviewItemDetail,
  ReviewPage,
  ReviewState,
  SubmitOutcome,
} from './types.ts';

/** Said after corrections or held decisions changed items: the UI refreshes those. */
export interface ReviewChange {
  fileIds: number[];
  /** Each changed item's review state now. */
  states: { fileId: number; reviewState: ReviewState }[];
}

interface ReviewEvents {
  changed: [ReviewChange];
  exported: [ExportPass];
  problem: [string];
}

export interface ReviewServiceOptions {
  /** The site config: review settings, the destination, key templates. Absent: no exporter, no rule keys. */
  config?: ResolvedConfig;
  now?: () => number;
  /** Exporter pacing (tests make it quick). */
  exporter?: { idleMs?: number; backoffMs?: number; maxBackoffMs?: number };
}

/** The key the site's rules give a file (what an operator's release uses too): rule key, default action key, defaultKey. */
export function ruleKeyFor(config: ResolvedConfig): (file: FileRecord) => string | undefined {
  return (file) => {
    if (!file.inspection) return undefined;
    const folder = config.folders.find((f) => f.id === file.folderId);
    const template =
      config.rules.find((rule) => rule.name === file.rule)?.key ??
      config.defaultAction.key ??
      config.defaultKey;
    return compileObjectKey(template)(
      {
        folderId: file.folderId,
        relPath: file.relPath,
        absPath: file.absPath,
        device: folder?.device ?? config.device,
        inspection: file.inspection,
      },
      { site: config.site, now: new Date(), rule: file.rule },
    );
  };
}

/**
 * Reviewing in the engine: the review queue, corrections, held decisions, agreement, and the
 * exporter that sends corrections to the core. One per engine, on the queue's database.
 */
export class ReviewService extends EventEmitter<ReviewEvents> {
  readonly queue: CaptureQueue;
  readonly items: ReviewQueue;
  readonly corrections: Corrections;
  private readonly now: () => number;
  private readonly exporterOptions: ReviewServiceOptions['exporter'];
  private settings: ReviewSettings | undefined;
  private exporter: ReviewExporter | undefined;
  private exporterStarted = false;
  private requestTimeoutMs: number | undefined;
  private keyFor: (file: FileRecord) => string | undefined;

  constructor(queue: CaptureQueue, options: ReviewServiceOptions = {}) {
    super();
    this.queue = queue;
    this.now = options.now ?? Date.now;
    this.exporterOptions = options.exporter;
    this.keyFor = options.config ? ruleKeyFor(options.config) : () => undefined;
    this.settings = options.config ? reviewSettings(options.config) : undefined;
    this.requestTimeoutMs = options.config?.upload.requestTimeoutMs;
    this.items = new ReviewQueue(queue.database, { catchUp: (fileId) => queue.indexBeforeRead(fileId) });
    createHeldTable(queue.database);
    this.corrections = new Corrections(queue, {
      now: this.now,
      destination: () => this.settings?.destination.name,
      keyFor: (file) => this.keyFor(file),
    });
    if (options.config && this.settings) {
      this.setThreshold(this.settings.threshold);
      this.exporter = this.makeExporter(options.config, this.settings);
    }
  }

  private makeExporter(config: ResolvedConfig, settings: ReviewSettings): ReviewExporter {
    const exporter = new ReviewExporter(
      this.queue.database,
      settings,
      createExportSink(settings.destination, {
        dataDir: config.dataDir,
        requestTimeoutMs: config.upload.requestTimeoutMs,
      }),
      { now: this.now, ...this.exporterOptions },
    );
    exporter.on('exported', (pass) => this.emit('exported', pass));
    exporter.on('problem', (problem) => this.emit('problem', problem));
    return exporter;
  }

  /**
   * A new site config while the engine runs (Settings, reload): object keys for held decisions follow
   * the new rules, and the exporter is rebuilt when its destination or review settings changed (what it
   * exported is recorded in the database, so the new one goes on from there).
   */
  async reconfigure(config: ResolvedConfig): Promise<void> {
    const settings = reviewSettings(config); // throws, naming the field, before anything changes
    this.keyFor = ruleKeyFor(config);
    const same =
      JSON.stringify(settings) === JSON.stringify(this.settings) &&
      config.upload.requestTimeoutMs === this.requestTimeoutMs;
    this.settings = settings;
    this.requestTimeoutMs = config.upload.requestTimeoutMs;
    this.setThreshold(settings.threshold);
    if (same && this.exporter) return;
    const old = this.exporter;
    this.exporter = this.makeExporter(config, settings);
    await old?.stop();
    if (this.exporterStarted) this.exporter.start();
  }

  /** Orders the queue by closeness to this score (undefined: lowest top score first). */
  setThreshold(threshold: number | undefined): void {
    this.queue.transaction(() => applyThreshold(this.queue.database, threshold));
  }

  list(filter: ReviewFilter = {}, options: { cursor?: string; limit?: number } = {}): ReviewPage {
    return this.items.list(filter, options);
  }

  item(fileId: number): ReviewItemDetail | undefined {
    const file = this.queue.get(fileId);
    if (!file) return undefined;
    const summary = this.items.summary(fileId);
    const all = this.corrections.forFile(fileId);
    const current = all.filter((c) => c.supersededBy === undefined && c.sha256 === file.sha256);
    return {
      fileId,
      relPath: file.relPath,
      folderId: file.folderId,
      state: file.state,
      held: file.state === 'held',
      contentType: file.contentType,
      sha256: file.sha256,
      rule: file.rule,
      topLabel: summary?.topLabel,
      topScore: summary?.topScore,
      modelVersion: file.inspection?.predictions?.modelVersion,
      predictionCount: file.inspection?.predictions?.items.length ?? 0,
      reviewState: summary?.reviewState ?? 'unreviewed',
      discoveredAt: file.discoveredAt,
      objectKey: file.objectKey ?? file.decision?.objectKey,
      absPath: file.absPath,
      size: file.size,
      reason: file.reason,
      predictions: file.inspection?.predictions?.items ?? [],
      imageSize: imageSizeOf(file),
      current,
      superseded: all.filter((c) => !current.includes(c)),
    };
  }

  submit(inputs: readonly CorrectionInput[]): SubmitOutcome[] {
    const outcomes = this.corrections.submit(inputs);
    const stored = outcomes.filter((o) => o.status === 'stored').map((o) => o.record.fileId);
    if (stored.length > 0) {
      this.announce(stored);
      this.exporter?.poke();
    }
    return outcomes;
  }

  decideHeld(input: HeldDecisionInput, keyFor?: (file: FileRecord) => string | undefined): HeldOutcome {
    const outcome = decideHeld(this.queue, input, keyFor ?? this.keyFor, this.now);
    if (outcome.status === 'decided') this.announce([input.fileId]);
    return outcome;
  }

  agreement(query: AgreementQuery): AgreementBucket[] {
    return agreement(this.queue.database, query);
  }

  startExporter(): void {
    this.exporterStarted = true;
    this.exporter?.start();
  }

  /** Exports now; undefined when this engine has no site config (nowhere to send to). */
  async exportNow(): Promise<ExportPass | undefined> {
    return this.exporter?.exportNow();
  }

  exportStatus(): ExportStatus | undefined {
    return this.exporter?.status();
  }

  async stop(): Promise<void> {
    this.exporterStarted = false;
    await this.exporter?.stop();
  }

  private announce(fileIds: number[]): void {
    const unique = [...new Set(fileIds)];
    this.emit('changed', {
      fileIds: unique,
      states: unique.map((fileId) => ({
        fileId,
        reviewState: this.items.summary(fileId)?.reviewState ?? 'unreviewed',
      })),
    });
  }
}
