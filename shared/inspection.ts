/** What inspection learns about a file. Plain data: it is stored in the queue and shown in the UI. */

export interface PredictionBox {
  x: number;
  y: number;
  w: number;
  h: number;
  label?: string;
  score?: number;
}

export interface Prediction {
  label: string;
  score: number;
  box?: PredictionBox;
}

export interface Predictions {
  modelVersion?: string;
  items: Prediction[];
  /** The sidecar file these came from, relative to the capture folder. */
  source?: string;
}

/** A tag such as `pii:email` with how many times it was found (1 for plain tags). */
export type Tags = Record<string, number>;

export interface Inspection {
  size: number;
  mtimeMs: number;
  birthtimeMs?: number;
  sha256: string;
  /** MIME type from magic bytes, falling back to the extension. */
  contentType: string;
  /** How contentType was decided: `magic`, `extension` or `text-heuristic`. */
  contentTypeSource: 'magic' | 'extension' | 'text-heuristic' | 'unknown';
  exif?: Record<string, string | number | boolean>;
  predictions?: Predictions;
  tags: Tags;
  /** Non-fatal problems, e.g. an unparseable sidecar: shown to the operator. */
  warnings: string[];
}
