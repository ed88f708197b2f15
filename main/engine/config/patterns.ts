/** Patterns shared by the config schema fragments (kept apart so fragments can import them without a cycle). */
export const SIZE_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*([kKmMgGtT]([iI][bB]|[bB])?|[bB])?\\s*$';
export const DURATION_PATTERN =
  '^\\s*\\d+(\\.\\d+)?\\s*([mM][sS]|[sS]([eE][cC])?|[mM]([iI][nN])?|[hH]|[dD]|[wW])?\\s*$';
export const TIME_PATTERN = '^([01]?\\d|2[0-3]):[0-5]\\d$';
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';
export const MIME_PATTERN =
  '^(\\*|\\*/\\*|[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/(\\*|[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*))$';
export const METADATA_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]*$';
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
