/** Recognise common capture formats from their first bytes. Own table: no dependency, no I/O. */

function startsWith(head: Uint8Array, bytes: readonly number[], offset = 0): boolean {
  if (head.length < offset + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[offset + i] !== bytes[i]) return false;
  return true;
}

function ascii(head: Uint8Array, offset: number, length: number): string {
  if (head.length < offset + length) return '';
  return String.fromCharCode(...head.subarray(offset, offset + length));
}

const str = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** Signatures checked in order; the first that matches wins. */
const SIGNATURES: ReadonlyArray<{
  type: string;
  bytes: number[];
  offset?: number;
  /** Extra check for short signatures that plain text could start with. */
  also?: (head: Uint8Array) => boolean;
}> = [
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/gif', bytes: str('GIF87a') },
  { type: 'image/gif', bytes: str('GIF89a') },
  { type: 'image/tiff', bytes: [0x49, 0x49, 0x2a, 0x00] },
  { type: 'image/tiff', bytes: [0x4d, 0x4d, 0x00, 0x2a] },
  { type: 'audio/flac', bytes: str('fLaC') },
  { type: 'audio/ogg', bytes: str('OggS') },
  { type: 'audio/mpeg', bytes: str('ID3'), also: (h) => h[3] !== undefined && h[3] >= 2 && h[3] <= 4 },
  { type: 'application/pdf', bytes: str('%PDF-') },
  { type: 'application/zip', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { type: 'application/zip', bytes: [0x50, 0x4b, 0x05, 0x06] },
  { type: 'application/zip', bytes: [0x50, 0x4b, 0x07, 0x08] },
  { type: 'application/gzip', bytes: [0x1f, 0x8b] },
  { type: 'application/zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { type: 'application/x-xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  {
    type: 'application/x-bzip2',
    bytes: str('BZh'),
    also: (h) => h[3] !== undefined && h[3] >= 0x31 && h[3] <= 0x39,
  },
  { type: 'application/x-7z-compressed', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { type: 'application/vnd.apache.parquet', bytes: str('PAR1') },
  { type: 'application/vnd.sqlite3', bytes: str('SQLite format 3\0') },
  { type: 'application/x-hdf5', bytes: [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'application/x-npy', bytes: [0x93, ...str('NUMPY')] },
  { type: 'application/x-tar', bytes: str('ustar'), offset: 257 },
];

/** ISO base media (`....ftyp<brand>`): the major brand tells HEIC/AVIF stills from MP4/MOV video. */
function isoBmffType(head: Uint8Array): string | undefined {
  if (ascii(head, 4, 4) !== 'ftyp') return undefined;
  const brand = ascii(head, 8, 4);
  if (['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx'].includes(brand)) return 'image/heic';
  if (brand === 'mif1' || brand === 'msf1') return 'image/heif';
  if (brand === 'avif' || brand === 'avis') return 'image/avif';
  if (brand === 'qt  ') return 'video/quicktime';
  if (brand === 'M4A ' || brand === 'M4B ') return 'audio/mp4';
  if (brand.startsWith('3g')) return 'video/3gpp';
  if (brand === 'crx ') return 'image/x-canon-cr3';
  return 'video/mp4';
}

function riffType(head: Uint8Array): string | undefined {
  if (ascii(head, 0, 4) !== 'RIFF') return undefined;
  const form = ascii(head, 8, 4);
  if (form === 'WEBP') return 'image/webp';
  if (form === 'WAVE') return 'audio/wav';
  if (form === 'AVI ') return 'video/x-msvideo';
  return undefined;
}

/** "BM" alone is too common in text; also require a known DIB header size at byte 14. */
function isBmp(head: Uint8Array): boolean {
  if (head.length < 18 || head[0] !== 0x42 || head[1] !== 0x4d) return false;
  const dibSize = head[14]! | (head[15]! << 8) | (head[16]! << 16) | (head[17]! << 24);
  return [12, 40, 52, 56, 64, 108, 124].includes(dibSize);
}

/** MPEG audio frame header without an ID3 tag: sync bits, layer III, valid bitrate and rate. */
function isMp3Frame(head: Uint8Array): boolean {
  if (head.length < 4 || head[0] !== 0xff) return false;
  const b1 = head[1]!;
  const b2 = head[2]!;
  const syncAndLayer3 = (b1 & 0xe6) === 0xe2;
  const versionValid = ((b1 >> 3) & 0x03) !== 0x01;
  const bitrateValid = b2 >> 4 !== 0x0f && b2 >> 4 !== 0;
  const sampleRateValid = ((b2 >> 2) & 0x03) !== 0x03;
  return syncAndLayer3 && versionValid && bitrateValid && sampleRateValid;
}

/** The MIME type the bytes announce, or undefined when no signature matches. */
export function magicType(head: Uint8Array): string | undefined {
  for (const sig of SIGNATURES) {
    if (startsWith(head, sig.bytes, sig.offset) && (sig.also?.(head) ?? true)) return sig.type;
  }
  const container = isoBmffType(head) ?? riffType(head);
  if (container) return container;
  if (isBmp(head)) return 'image/bmp';
  if (isMp3Frame(head)) return 'audio/mpeg';
  return undefined;
}
