/** Small valid JPEGs with a real Exif block, built in code so no image library is needed. */

/**
 * A 16x16 baseline JPEG (a colour gradient), made once with libjpeg's cjpeg at quality 60.
 * Its JFIF APP0 segment is replaced by our APP1 Exif segment at run time.
 */
const BASE_JPEG_BASE64 =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxOUlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT0//wAARCAAQABADASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAABAX/xAAZEAADAAMAAAAAAAAAAAAAAAAAAwQhMWH/xAAUAQEAAAAAAAAAAAAAAAAAAAAD/8QAFxEBAQEBAAAAAAAAAAAAAAAABAAFMf/aAAwDAQACEQMRAD8ACibWCgibWBKJuFBE3AEsjz08v//Z';

/** The base image after SOI and APP0: quantisation/Huffman tables, frame, scan and EOI. */
const JPEG_BODY = stripApp0(Buffer.from(BASE_JPEG_BASE64, 'base64'));

function stripApp0(jpeg: Buffer): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('embedded JPEG lost its SOI marker');
  if (jpeg[2] === 0xff && jpeg[3] === 0xe0) return jpeg.subarray(4 + jpeg.readUInt16BE(4));
  return jpeg.subarray(2);
}

const TYPE_ASCII = 2;
const TYPE_SHORT = 3;
const TYPE_LONG = 4;

interface IfdEntry {
  tag: number;
  type: typeof TYPE_ASCII | typeof TYPE_SHORT | typeof TYPE_LONG;
  value: string | number;
}

/** One big-endian TIFF IFD placed at `offset`, with its out-of-line values right after it. */
function encodeIfd(entries: IfdEntry[], offset: number): Buffer {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const headLength = 2 + 12 * sorted.length + 4;
  const head = Buffer.alloc(headLength);
  const data: Buffer[] = [];
  let dataOffset = offset + headLength;
  head.writeUInt16BE(sorted.length, 0);
  sorted.forEach((entry, i) => {
    const at = 2 + 12 * i;
    head.writeUInt16BE(entry.tag, at);
    head.writeUInt16BE(entry.type, at + 2);
    if (entry.type === TYPE_ASCII) {
      const bytes = Buffer.from(`${entry.value}\0`, 'latin1');
      head.writeUInt32BE(bytes.length, at + 4);
      if (bytes.length <= 4) {
        bytes.copy(head, at + 8);
      } else {
        // Values start on word boundaries, as the TIFF spec asks.
        const padded = bytes.length % 2 ? Buffer.concat([bytes, Buffer.alloc(1)]) : bytes;
        head.writeUInt32BE(dataOffset, at + 8);
        data.push(padded);
        dataOffset += padded.length;
      }
    } else {
      head.writeUInt32BE(1, at + 4);
      if (entry.type === TYPE_SHORT) head.writeUInt16BE(Number(entry.value), at + 8);
      else head.writeUInt32BE(Number(entry.value), at + 8);
    }
  });
  return Buffer.concat([head, ...data]);
}

export interface ExifFields {
  make: string;
  model: string;
  /** Local time when the frame was taken. */
  takenAt: Date;
  /** Makes every frame's bytes (and so its hash) unique, as real frames are. */
  uniqueId: string;
}

/** Exif date format: "YYYY:MM:DD HH:MM:SS" in local time. */
export function exifDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}:${pad(date.getMonth() + 1)}:${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** The APP1 segment: marker, length, "Exif\0\0", then a TIFF structure with IFD0 and the Exif IFD. */
export function buildExifApp1(fields: ExifFields): Buffer {
  const when = exifDate(fields.takenAt);
  const ifd0Entries = (exifOffset: number): IfdEntry[] => [
    { tag: 0x010f, type: TYPE_ASCII, value: fields.make },
    { tag: 0x0110, type: TYPE_ASCII, value: fields.model },
    { tag: 0x0112, type: TYPE_SHORT, value: 1 }, // Orientation: upright
    { tag: 0x0132, type: TYPE_ASCII, value: when },
    { tag: 0x8769, type: TYPE_LONG, value: exifOffset },
  ];
  const exifEntries: IfdEntry[] = [
    { tag: 0x9003, type: TYPE_ASCII, value: when }, // DateTimeOriginal
    { tag: 0xa420, type: TYPE_ASCII, value: fields.uniqueId }, // ImageUniqueID
  ];
  const tiffHeader = Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08]);
  // The pointer's value does not change IFD0's size, so measure with 0, then encode for real.
  const exifOffset = 8 + encodeIfd(ifd0Entries(0), 8).length;
  const tiff = Buffer.concat([
    tiffHeader,
    encodeIfd(ifd0Entries(exifOffset), 8),
    encodeIfd(exifEntries, exifOffset),
  ]);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const marker = Buffer.alloc(4);
  marker.writeUInt16BE(0xffe1, 0);
  marker.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([marker, payload]);
}

/** A complete, decodable JPEG: SOI, APP1 Exif, then the embedded image. Ends with FFD9. */
export function buildJpeg(fields: ExifFields): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8]), buildExifApp1(fields), JPEG_BODY]);
}

/** An encoder's JPEG with its JFIF APP0 swapped for our Exif APP1, as cameras write them (Exif first). */
export function withExif(jpeg: Buffer, fields: ExifFields): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8]), buildExifApp1(fields), stripApp0(jpeg)]);
}

/** A JPEG cut short, as when a camera loses power mid-write: starts FFD8, never ends FFD9. */
export function truncateJpeg(jpeg: Buffer, fraction: number): Buffer {
  let end = Math.max(3, Math.min(jpeg.length - 3, Math.floor(jpeg.length * fraction)));
  while (end > 3 && jpeg[end - 2] === 0xff && jpeg[end - 1] === 0xd9) end--;
  return jpeg.subarray(0, end);
}
