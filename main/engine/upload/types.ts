/** Contracts between the upload scheduler and the destinations (S3-compatible store, filesystem). */

/** What to upload: a decided file, its identity, and where it goes. */
export interface UploadSource {
  fileId: number;
  absPath: string;
  size: number;
  mtimeMs: number;
  sha256: string;
  contentType: string;
  /** Key from the rule's template (destination prefix not yet applied). */
  objectKey: string;
  /** Object metadata (x-amz-meta-*): site, device, capture time, rule, PII tags, prediction summary, sha256. */
  metadata: Record<string, string>;
  /** Object tags, when the destination sends tags. */
  tags?: Record<string, string>;
}

/** A multipart upload in progress, committed to the queue after each part so it survives kill -9. */
export interface MultipartProgress {
  uploadId: string;
  /** Full key at the destination (prefix and any conflict suffix applied). */
  key: string;
  partSize: number;
  /** The source as it was when the upload began: a different file means start over. */
  source: { size: number; mtimeMs: number; sha256: string };
  parts: CompletedPart[];
  startedAt: number;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
  /** base64 MD5 we computed and sent as Content-MD5. */
  md5: string;
  size: number;
}

export interface UploadResult {
  key: string;
  etag?: string;
  versionId?: string;
  /** The same content was already at the key (HEAD matched our sha256): nothing was sent. */
  alreadyPresent: boolean;
  /** Bytes actually sent in this attempt (resumed parts are not counted). */
  bytesSent: number;
  /** Parts sent in this attempt (multipart only) and parts reused from a previous attempt. */
  partsSent?: number;
  partsReused?: number;
}

/** Paces bytes to the bandwidth limit in force. */
export interface Throttle {
  take(bytes: number, signal?: AbortSignal): Promise<void>;
}

export interface UploadOptions {
  /** Progress saved by an earlier attempt, if any. */
  resume?: MultipartProgress;
  /** Called (and awaited) after every completed part; must persist before returning. */
  saveProgress(progress: MultipartProgress | undefined): void;
  signal: AbortSignal;
  throttle: Throttle;
  /** Bytes on the wire, for progress bars. */
  onBytes?(bytes: number): void;
}

export interface Destination {
  readonly kind: 's3' | 'filesystem';
  /** Shown in CLI and UI, e.g. "s3://bucket/prefix at https://…" or "LOCAL DEMO STORE (…)". */
  readonly label: string;
  /** true for the embedded zero-config store: the UI and CLI say data has not left the machine. */
  readonly isLocalDemo: boolean;
  /** A cheap request that tells whether the store answers (used while offline). Throws UploadError. */
  probe(signal?: AbortSignal): Promise<void>;
  /** Uploads one file, resuming from options.resume when it still applies. Throws UploadError. */
  upload(source: UploadSource, options: UploadOptions): Promise<UploadResult>;
  /**
   * Removes what this engine left at the store and no file will resume: the multipart uploads
   * it recorded (S3), its temp files beside interrupted keys (filesystem). Never anything of
   * another writer's. Returns how many it removed.
   */
  abortOrphans(leftovers: Leftovers): Promise<number>;
  close(): Promise<void>;
}

/** A multipart upload this engine started, as recorded in the queue when it began. */
export interface StartedUpload {
  uploadId: string;
  /** Full key at the destination. */
  key: string;
  startedAt: number;
}

/** What the engine knows it left behind; the sweep touches nothing else. */
export interface Leftovers {
  /** Multipart uploads this engine started that no queued file will resume. */
  uploads: readonly StartedUpload[];
  /** Keys whose copy was cut short by a crash: our temp files may sit beside them. */
  interruptedKeys: readonly string[];
  /** Called for each upload that is gone from the store (aborted now, or already), so it is forgotten. */
  forget(uploadId: string): void;
}

export const UPLOAD_ERROR_KINDS = [
  'offline', // connection refused/reset/timeout, DNS: the store is unreachable
  'throttled', // 429/503 SlowDown
  'auth', // bad or expired credentials
  'permission', // 403 AccessDenied
  'not_found', // bucket missing
  'misconfigured', // every upload would fail until the operator changes something (https to a plain-HTTP port, a path through a file)
  'full', // the destination has no room (ENOSPC, quota)
  'bad_request', // 400s that will not fix themselves
  'server', // 500s
  'conflict', // a different object is at the key and policy is `report`
  'source_changed', // the local file changed while it was being uploaded
  'source_vanished',
  'source_unreadable',
  'integrity', // what the store received does not match what we sent
] as const;
export type UploadErrorKind = (typeof UPLOAD_ERROR_KINDS)[number];

/** Transient kinds are retried without counting toward quarantine. */
export const TRANSIENT_KINDS: ReadonlySet<UploadErrorKind> = new Set([
  'offline',
  'throttled',
  'server',
  'full',
]);

export class UploadError extends Error {
  readonly kind: UploadErrorKind;
  readonly retryAfterMs?: number;
  constructor(
    kind: UploadErrorKind,
    message: string,
    options: { cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'UploadError';
    this.kind = kind;
    this.retryAfterMs = options.retryAfterMs;
  }
  get transient(): boolean {
    return TRANSIENT_KINDS.has(this.kind);
  }
}
