/** Destination, upload and retention settings. Filled in by the uploader work (issue 3). */
export interface DestinationConfig {
  type: 's3' | 'filesystem' | 'local';
  [key: string]: unknown;
}
export type UploadConfig = Record<string, unknown>;
export type RetentionConfig = Record<string, unknown>;
