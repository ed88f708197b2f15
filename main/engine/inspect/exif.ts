import type exifrModule from 'exifr';

export type ExifFields = Record<string, string | number | boolean>;

/** Formats exifr can read from a buffer (TIFF-based camera raws report image/tiff). */
const EXIF_TYPES = new Set([
  'image/jpeg',
  'image/tiff',
  'image/heic',
  'image/heif',
  'image/avif',
  'image/png',
]);

const PICK = [
  'Make',
  'Model',
  'Orientation',
  'DateTimeOriginal',
  'OffsetTimeOriginal',
  'ExposureTime',
  'ISO',
  'ImageWidth',
  'ImageHeight',
  'ExifImageWidth',
  'ExifImageHeight',
  'GPSLatitude',
  'GPSLongitude',
  'GPSLatitudeRef',
  'GPSLongitudeRef',
];

const EXIFR_OPTIONS = {
  pick: PICK,
  // Raw numbers and strings: Orientation stays 6 rather than "Rotate 90 CW", and dates are not
  // shifted into this machine's time zone (EXIF times carry no zone of their own).
  translateValues: false,
  reviveValues: false,
  ifd1: false,
  interop: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  makerNote: false,
  userComment: false,
};

// Loaded on first use: most captures are not images and exifr takes a while to load.
let exifrLoading: Promise<typeof exifrModule> | undefined;
const loadExifr = () => {
  exifrLoading ??= import('exifr').then((m) => m.default);
  return exifrLoading;
};

/** EXIF `2024:05:01 12:34:56` (+ optional `+02:00` offset) as ISO 8601; local time when no offset. */
function isoDate(raw: unknown, offset: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(raw.trim());
  if (!m) return undefined;
  const zone = typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset.trim()) ? offset.trim() : '';
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${zone}`;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function flatten(raw: Record<string, unknown>): ExifFields {
  const fields: Record<string, string | number | undefined> = {
    Make: typeof raw['Make'] === 'string' ? raw['Make'].trim() : undefined,
    Model: typeof raw['Model'] === 'string' ? raw['Model'].trim() : undefined,
    DateTimeOriginal: isoDate(raw['DateTimeOriginal'], raw['OffsetTimeOriginal']),
    // exifr applies the N/S and E/W references when it computes latitude/longitude.
    GPSLatitude: num(raw['latitude']),
    GPSLongitude: num(raw['longitude']),
    Orientation: num(raw['Orientation']),
    ImageWidth: num(raw['ExifImageWidth']) ?? num(raw['ImageWidth']),
    ImageHeight: num(raw['ExifImageHeight']) ?? num(raw['ImageHeight']),
    ExposureTime: num(raw['ExposureTime']),
    ISO: num(raw['ISO']),
  };
  const out: ExifFields = {};
  for (const [key, value] of Object.entries(fields))
    if (value !== undefined && value !== '') out[key] = value;
  return out;
}

/** Width and height from the JPEG frame header or PNG IHDR, which are truer than EXIF's copy. */
export function imageDimensions(head: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head[0] === 0x89 && head.length >= 24 && String.fromCharCode(...head.subarray(12, 16)) === 'IHDR') {
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (head[0] !== 0xff || head[1] !== 0xd8) return undefined;
  let pos = 2;
  while (pos + 9 <= head.length) {
    if (head[pos] !== 0xff) return undefined;
    const marker = head[pos + 1]!;
    if (marker === 0xff) {
      pos++;
      continue;
    }
    // SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { width: view.getUint16(pos + 7), height: view.getUint16(pos + 5) };
    }
    if (marker === 0xda || marker === 0xd9) return undefined;
    pos += 2 + view.getUint16(pos + 2);
  }
  return undefined;
}

/**
 * EXIF fields read from the head already in memory. Never throws: damaged EXIF becomes a warning.
 * EXIF stored beyond the first 64 KiB (possible in HEIC/TIFF) is not read and not warned about.
 */
export async function readExif(
  head: Uint8Array,
  contentType: string,
  wholeFileInHead: boolean,
): Promise<{ exif?: ExifFields; warnings: string[] }> {
  if (!EXIF_TYPES.has(contentType)) return { warnings: [] };
  const warnings: string[] = [];
  let exif: ExifFields = {};
  try {
    const exifr = await loadExifr();
    const raw = (await exifr.parse(head, EXIFR_OPTIONS)) as Record<string, unknown> | undefined;
    if (raw) {
      exif = flatten(raw);
      for (const err of Array.isArray(raw['errors']) ? raw['errors'] : []) {
        const message = err instanceof Error ? err.message : String(err);
        if (wholeFileInHead || !message.includes('unreachable'))
          warnings.push(`EXIF partly unreadable: ${message}`);
      }
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (wholeFileInHead || !message.includes('unreachable')) warnings.push(`EXIF unreadable: ${message}`);
  }
  const size = imageDimensions(head);
  if (size) {
    exif.ImageWidth = size.width;
    exif.ImageHeight = size.height;
  }
  return Object.keys(exif).length > 0 ? { exif, warnings } : { warnings };
}
