import { EventEmitter } from 'node:events';
import type { DatabaseSync } from 'node:sqlite';
import { UploadError } from '../upload/types.ts';
import { recordOf } from './corrections.ts';
import {
  cocoForDay,
  cocoKey,
  correctionBody,
  correctionKey,
  manifestKey,
  manifestLines,
} from './export-content.ts';
import type { ReviewSettings } from './settings.ts';
import type { ExportSink } from './sinks.ts';

/** Failures of the destination as a whole: wait and try again later, counting nothing against a correction. */
const DESTINATION_KINDS: ReadonlySet<string> = new Set([
  'offline',
  'throttled',
  'server',
  'full',
  'auth',
  'permission',
  'not_found',
  'misconfigured',
]);

export interface ExportPass {
  /** Correction objects confirmed at the destination in this pass (stored now, or found already there). */
  corrections: number;
  /** Days whose manifest and COCO file were written. */
  days: number;
  /** Corrections that could not be stored (e.g. another object at the key), with why. */
  refused: { id: string; why: string }[];
}

export interface ExportStatus {
  destination: string;
  label: string;
  /** Correction objects not yet confirmed at the destination. */
  pending: number;
  /** Days whose manifest and COCO file must be written (again). */
  pendingDays: number;
  lastSuccessAt?: number;
  /** Why the last pass stopped, in words, while the destination is failing. */
  problem?: string;
  running: boolean;
}

export interface ExporterOptions {
  now: () => number;
  /** Quiet time between passes when there is nothing to do (default 30 s). */
  idleMs?: number;
  /** First wait after the destination failed; doubles up to maxBackoffMs (default 5 s, 5 min). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

interface ExporterEvents {
  exported: [ExportPass];
  problem: [string];
}

/**
 * Sends corrections to the review destination: each correction once as its own object, then each
 * changed day's manifest and COCO file. What is confirmed is written to SQLite as it is confirmed,
 * so after a crash only the unconfirmed is sent again, and a re-send lands on the same key (the
 * sink never duplicates it). Passes run one at a time; a failing destination pauses the exporter
 * with a growing wait instead of hammering it.
 */
export class ReviewExporter extends EventEmitter<ExporterEvents> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ExportPass> | undefined;
  private stopped = true;
  private failures = 0;
  private lastSuccessAt: number | undefined;
  private problem: string | undefined;
  private readonly db: DatabaseSync;
  private readonly settings: ReviewSettings;
  private readonly sink: ExportSink;
  private readonly options: ExporterOptions;

  constructor(db: DatabaseSync, settings: ReviewSettings, sink: ExportSink, options: ExporterOptions) {
    super();
    this.db = db;
    this.settings = settings;
    this.sink = sink;
    this.options = options;
    this.adoptDestination();
  }

  get destination(): string {
    return this.settings.destination.name;
  }

  /**
   * The first time corrections go to this destination (a new site, or review.destination changed),
   * every correction and day already recorded becomes its work.
   */
  private adoptDestination(): void {
    const mark = `review.exports_to.${this.destination}`;
    if (this.db.prepare('SELECT 1 FROM meta WHERE key = ?').get(mark)) return;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.db
        .prepare(
          'INSERT OR IGNORE INTO correction_exports (correction_id, destination) SELECT id, ? FROM corrections',
        )
        .run(this.destination);
      this.db
        .prepare(
          'INSERT OR IGNORE INTO export_days (destination, day) SELECT DISTINCT ?, day FROM corrections',
        )
        .run(this.destination);
      this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, '1')").run(mark);
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.sink.close();
  }

  /** New corrections: export soon (coalesced with a pass already under way). */
  poke(): void {
    if (!this.stopped && !this.running && this.failures === 0) this.schedule(200);
  }

  /** Runs a pass now (or waits for the one running) and says what it did; throws when the destination fails. */
  exportNow(): Promise<ExportPass> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  status(): ExportStatus {
    const count = (sql: string) => Number(this.db.prepare(sql).get(this.destination)?.['n'] ?? 0);
    return {
      destination: this.destination,
      label: this.sink.label,
      pending: count(
        'SELECT count(*) AS n FROM correction_exports WHERE destination = ? AND confirmed_at IS NULL',
      ),
      pendingDays: count(
        'SELECT count(*) AS n FROM export_days WHERE destination = ? AND exported_version < version',
      ),
      lastSuccessAt: this.lastSuccessAt,
      problem: this.problem,
      running: this.running !== undefined,
    };
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.exportNow();
      this.failures = 0;
      this.problem = undefined;
    } catch (error) {
      this.failures += 1;
      this.problem = error instanceof Error ? error.message : String(error);
      this.emit('problem', this.problem);
    }
    if (this.stopped) return;
    const backoff = Math.min(
      (this.options.backoffMs ?? 5000) * 2 ** Math.max(0, this.failures - 1),
      this.options.maxBackoffMs ?? 300_000,
    );
    this.schedule(this.failures > 0 ? backoff : (this.options.idleMs ?? 30_000));
  }

  private async pass(): Promise<ExportPass> {
    const result: ExportPass = { corrections: 0, days: 0, refused: [] };
    for (;;) {
      const batch = this.db
        .prepare(
          `SELECT c.* FROM correction_exports e JOIN corrections c ON c.id = e.correction_id
           WHERE e.destination = ? AND e.confirmed_at IS NULL AND e.last_error IS NULL ORDER BY c.seq LIMIT 100`,
        )
        .all(this.destination);
      if (batch.length === 0) break;
      for (const row of batch) await this.sendCorrection(row, result);
    }
    const days = this.db
      .prepare(
        'SELECT day, version FROM export_days WHERE destination = ? AND exported_version < version ORDER BY day',
      )
      .all(this.destination);
    for (const row of days) {
      const day = String(row['day']);
      await this.sink.putStream(
        manifestKey(this.settings, day),
        toAsync(manifestLines(this.db, this.settings, day)),
        'application/x-ndjson',
      );
      await this.sink.putStream(
        cocoKey(this.settings, day),
        cocoForDay(this.db, day, this.options.now()),
        'application/json',
      );
      // Only the version that was read counts as exported: a change meanwhile keeps the day pending.
      this.db
        .prepare(
          `UPDATE export_days SET exported_version = ?, exported_at = ?
           WHERE destination = ? AND day = ? AND exported_version < ?`,
        )
        .run(Number(row['version']), this.options.now(), this.destination, day, Number(row['version']));
      result.days += 1;
    }
    this.lastSuccessAt = this.options.now();
    if (result.corrections > 0 || result.days > 0) this.emit('exported', result);
    return result;
  }

  private async sendCorrection(row: Record<string, unknown>, result: ExportPass): Promise<void> {
    const record = recordOf(row);
    const key = correctionKey(this.settings, record, String(row['day']));
    try {
      await this.sink.putOnce(key, correctionBody(record, this.settings.site));
    } catch (error) {
      if (!(error instanceof UploadError) || DESTINATION_KINDS.has(error.kind)) throw error;
      // This correction's own problem: set aside with the reason, the others go on.
      this.db
        .prepare(
          `UPDATE correction_exports SET attempts = attempts + 1, last_error = ?, key = ?
           WHERE correction_id = ? AND destination = ?`,
        )
        .run(error.message, key, record.id, this.destination);
      result.refused.push({ id: record.id, why: error.message });
      return;
    }
    this.db
      .prepare(
        `UPDATE correction_exports SET confirmed_at = ?, key = ?, attempts = attempts + 1, last_error = NULL
         WHERE correction_id = ? AND destination = ?`,
      )
      .run(this.options.now(), key, record.id, this.destination);
    result.corrections += 1;
  }
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
