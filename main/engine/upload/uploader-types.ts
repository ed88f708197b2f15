import type { FileRecord } from '../queue/types.ts';
import type { PauseReason } from './connectivity.ts';
import type { SidecarLocator } from './sidecar-upload.ts';
import type { Throttle } from './types.ts';

export interface UploaderContext {
  site: string;
  device: string;
  /** The destination's name in the queue's deliveries (default `default`). */
  destinationName?: string;
  /** A limit shared with the other destinations' uploaders (the site's `upload.bandwidth`). */
  siteThrottle?: Throttle;
  /** Per-folder device names (a folder may name its own camera); defaults to `device`. */
  deviceFor?: (folderId: string) => string;
  now?: () => number;
  random?: () => number;
  /** The after-upload step (retention), run inside the commit that records a file's last delivery. */
  afterUpload?: AfterUploadHook;
  /**
   * Called after the commit that records a file's last upload, with the record as that commit left it:
   * `uploaded` (every destination has it), or already moved on by afterUpload (e.g. `retained`).
   */
  onUploaded?: (record: FileRecord) => void;
  /** Where each capture's prediction sidecar is, to upload it beside the capture; absent: sidecars stay local. */
  sidecars?: SidecarLocator;
  /** What the last run knew of the link (last success, an unresolved outage), so a restart keeps it. */
  linkBeforeRestart?: { lastSuccessAt?: number; offlineSince?: number };
}

/** What happens to the local copy once its upload is recorded (RetentionManager implements it). */
export interface AfterUploadHook {
  /** The copy is deleted or moved after upload: the commit recording `uploaded` must survive power loss. */
  readonly removesLocalCopy: boolean;
  /**
   * Runs inside the transaction that records `record` as uploaded and may move it on in that same
   * commit (retention `keep` → `retained`). Returns the record as it now is.
   */
  afterUploadInTransaction(record: FileRecord): FileRecord;
}

export interface InFlightUpload {
  fileId: number;
  relPath: string;
  bytesSent: number;
  size: number;
}

export interface UploaderStatus {
  /** The destination's name (`default` for the single `destination:`). */
  name: string;
  /** False while uploads are paused because the store is unreachable or refuses us. */
  online: boolean;
  pausedFor?: PauseReason;
  /** An operator paused all uploads (`edge-capture pause`, the UI): none starts until resumed. */
  operatorPaused: boolean;
  offlineSince?: number;
  lastSuccessAt?: number;
  lastError?: string;
  nextProbeAt?: number;
  inFlight: InFlightUpload[];
  bytesPerSecond: number;
  /** This destination's own limit (the site's applies on top). */
  bandwidthLimit?: number;
  destination: string;
  isLocalDemo: boolean;
}
