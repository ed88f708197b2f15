import type { Inspection, Tags } from '../../../shared/inspection.ts';
import { isTypeMismatch } from './content-type.ts';

/**
 * File health tags, from bytes already in memory (no extra reads):
 *   file:empty          the file has 0 bytes
 *   file:type-mismatch  the extension promises one format, the bytes are another (.jpg that is not JPEG)
 *   file:corrupt        the bytes are damaged: always set together with the specific reason below
 *   file:truncated      the format's end marker is missing (JPEG without EOI, PNG without IEND),
 *                       usually a writer that was interrupted or a copy that stopped early
 * Rules can match the broad `file:corrupt` or the specific `file:truncated`.
 * Known blind spot: a JPEG with data appended after EOI (e.g. phone "motion photos") looks truncated.
 */
export interface HealthInput {
  fileName: string;
  size: number;
  contentType: string;
  source: Inspection['contentTypeSource'];
  /** The last bytes of the file (up to 64). */
  tail: Uint8Array;
}

const PNG_IEND = [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

function endsWith(bytes: Uint8Array, suffix: readonly number[], end = bytes.length): boolean {
  if (end < suffix.length) return false;
  for (let i = 0; i < suffix.length; i++) if (bytes[end - suffix.length + i] !== suffix[i]) return false;
  return true;
}

/** Some encoders pad a finished JPEG with zero bytes after EOI; that is not truncation. */
function jpegEnded(tail: Uint8Array): boolean {
  let end = tail.length;
  while (end > 0 && tail[end - 1] === 0x00) end--;
  return endsWith(tail, [0xff, 0xd9], end);
}

function isTruncated(contentType: string, tail: Uint8Array): boolean {
  if (contentType === 'image/jpeg') return !jpegEnded(tail);
  if (contentType === 'image/png') return !endsWith(tail, PNG_IEND);
  return false;
}

export function healthTags(input: HealthInput): Tags {
  const tags: Tags = {};
  if (input.size === 0) {
    tags['file:empty'] = 1;
    return tags;
  }
  if (isTypeMismatch(input.fileName, { contentType: input.contentType, source: input.source })) {
    tags['file:type-mismatch'] = 1;
  }
  if (input.source === 'magic' && isTruncated(input.contentType, input.tail)) {
    tags['file:corrupt'] = 1;
    tags['file:truncated'] = 1;
  }
  return tags;
}
