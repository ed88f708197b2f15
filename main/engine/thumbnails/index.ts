/** Pictures for the Review view: thumbnails cached by content in the data folder, and full images, by queue id. */
export {
  DEFAULT_THUMBNAIL_SETTINGS,
  type Thumbnail,
  ThumbnailCache,
  type ThumbnailSettings,
} from './cache.ts';
export type { MediaError, MediaErrorCode, MediaResult } from './errors.ts';
export {
  engineMediaLibrary,
  type MediaBytes,
  MediaLibrary,
  type MediaLibraryOptions,
} from './media.ts';
export {
  CSV_PREVIEW_ROWS,
  isPreviewableText,
  parseCsv,
  TEXT_PREVIEW_BYTES,
  type TextPreview,
  textPreview,
} from './text.ts';
