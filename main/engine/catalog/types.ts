import type { FileState } from '../../../shared/status.ts';

/**
 * What a Catalog search asks for. Every field narrows (AND); list fields match any of their values,
 * except `tags`, where a file must carry every tag named. All optional: an empty filter is everything.
 */
export interface CatalogFilter {
  /** Words in the path, labels, tags or content type; each word matches as a prefix (`fram` → frame_01.jpg). */
  text?: string;
  /** Every one of these tags; a family name ending in `:` (`pii:`, `file:`) means any tag of that family. */
  tags?: string[];
  contentTypes?: string[];
  /** A predicted class: files with at least one prediction of it. */
  label?: string;
  /** Score bounds (inclusive): of `label`'s best prediction when set, else of the file's top prediction. */
  minScore?: number;
  maxScore?: number;
  /** true: files a reviewer corrected or confirmed; false: files nobody reviewed yet. */
  corrected?: boolean;
  /** Files whose current correction has an object of this class. */
  correctedLabel?: string;
  folders?: string[];
  /** Device names, as the site config gives them to folders. */
  devices?: string[];
  states?: FileState[];
  /** true: files the core has (uploaded, retained, removed locally); false: those it does not have yet. */
  stored?: boolean;
  /** Capture time (the file's mtime), ms since the epoch: from inclusive, to exclusive. */
  from?: number;
  to?: number;
  minSize?: number;
  maxSize?: number;
}

export type CatalogOrder = 'newest' | 'oldest';

export interface CatalogQuery {
  filter: CatalogFilter;
  order?: CatalogOrder;
  /** From the previous page's nextCursor. */
  cursor?: string;
  limit?: number;
}

/** One file as the Catalog lists it. */
export interface CatalogItem {
  id: number;
  folderId: string;
  device?: string;
  relPath: string;
  size: number;
  capturedAt: number;
  contentType?: string;
  state: FileState;
  stored: boolean;
  sha256?: string;
  objectKey?: string;
  topLabel?: string;
  topScore?: number;
  modelVersion?: string;
  labels: string[];
  tags: string[];
}

export interface CatalogPage {
  items: CatalogItem[];
  nextCursor?: string;
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface CatalogFacets {
  labels: FacetCount[];
  contentTypes: FacetCount[];
  tags: FacetCount[];
  folders: FacetCount[];
  devices: FacetCount[];
  /** Files counted. For a filtered search, at most the scan cap (see `exact`). */
  total: number;
  /** false when the filtered search matched more files than the facets look at (counts are of the newest that many). */
  exact: boolean;
}

/** A search the engine cannot run, in words the Catalog view shows as they are. */
export class CatalogError extends Error {
  readonly code: 'bad-filter' | 'bad-cursor' | 'no-corrections' | 'not-found' | 'name-taken' | 'read-only';
  constructor(code: CatalogError['code'], message: string) {
    super(message);
    this.name = 'CatalogError';
    this.code = code;
  }
}

/** States in which the core has the file. */
export const STORED_STATES: readonly FileState[] = ['uploaded', 'retained', 'removed'];
