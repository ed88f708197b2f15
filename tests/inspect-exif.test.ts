import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createInspector, type Inspector } from '../main/engine/inspect/index.ts';

// --- a minimal JPEG with an APP1 Exif segment, built by hand -------------------------------

type IfdEntry = {
  tag: number;
  type: 'ascii' | 'short' | 'long' | 'rational';
  value: string | number | number[];
};
const TIFF_TYPES = {
  ascii: { code: 2, size: 1 },
  short: { code: 3, size: 2 },
  long: { code: 4, size: 4 },
  rational: { code: 5, size: 8 },
};

function entryValue(entry: IfdEntry): Buffer {
  if (entry.type === 'ascii') return Buffer.from(`${entry.value}\0`, 'latin1');
  const values = Array.isArray(entry.value) ? entry.value : [Number(entry.value)];
  const out = Buffer.alloc(values.length * TIFF_TYPES[entry.type].size);
  values.forEach((v, i) => {
    if (entry.type === 'short') out.writeUInt16LE(v, i * 2);
    else if (entry.type === 'long') out.writeUInt32LE(v, i * 4);
    else {
      out.writeUInt32LE(Math.round(v * 10_000), i * 8);
      out.writeUInt32LE(10_000, i * 8 + 4);
    }
  });
  return out;
}

const padded = (n: number) => n + (n % 2);
const ifdSize = (entries: IfdEntry[]) =>
  6 +
  12 * entries.length +
  entries.reduce((n, e) => n + (entryValue(e).length > 4 ? padded(entryValue(e).length) : 0), 0);

/** One IFD at `offset` (from the TIFF header): count, 12-byte entries, next-IFD 0, then the values. */
function ifd(entries: IfdEntry[], offset: number): Buffer {
  const out = Buffer.alloc(ifdSize(entries));
  out.writeUInt16LE(entries.length, 0);
  let data = 6 + 12 * entries.length;
  entries.forEach((entry, i) => {
    const at = 2 + 12 * i;
    const value = entryValue(entry);
    const { code, size } = TIFF_TYPES[entry.type];
    out.writeUInt16LE(entry.tag, at);
    out.writeUInt16LE(code, at + 2);
    out.writeUInt32LE(value.length / size, at + 4);
    if (value.length <= 4) value.copy(out, at + 8);
    else {
      out.writeUInt32LE(offset + data, at + 8);
      value.copy(out, data);
      data += padded(value.length);
    }
  });
  return out;
}

/** Little-endian TIFF: IFD0 pointing to an Exif IFD and a GPS IFD. */
function tiff(ifd0: IfdEntry[], exif: IfdEntry[], gps: IfdEntry[]): Buffer {
  const withPointers: IfdEntry[] = [
    ...ifd0,
    { tag: 0x8769, type: 'long', value: 0 },
    { tag: 0x8825, type: 'long', value: 0 },
  ];
  const exifOffset = 8 + ifdSize(withPointers);
  const gpsOffset = exifOffset + ifdSize(exif);
  withPointers[withPointers.length - 2]!.value = exifOffset;
  withPointers[withPointers.length - 1]!.value = gpsOffset;
  return Buffer.concat([
    Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]),
    ifd(withPointers, 8),
    ifd(exif, exifOffset),
    ifd(gps, gpsOffset),
  ]);
}

function segment(marker: number, body: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([header, body]);
}

/** SOI, optional APP1 Exif, SOF0 (the real frame size), SOS with a few bytes of scan data, EOI. */
function jpeg(width: number, height: number, exif?: Buffer, scanBytes = 3): Buffer {
  const sof = Buffer.from([8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    ...(exif ? [segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), exif]))] : []),
    segment(0xc0, sof),
    segment(0xda, Buffer.from([1, 1, 0, 0, 63, 0])),
    Buffer.alloc(scanBytes, 0x5a),
    Buffer.from([0xff, 0xd9]),
  ]);
}

const CAMERA_EXIF = tiff(
  [
    { tag: 0x010f, type: 'ascii', value: 'Acme' },
    { tag: 0x0110, type: 'ascii', value: 'FieldCam 3' },
    { tag: 0x0112, type: 'short', value: 6 },
  ],
  [
    { tag: 0x9003, type: 'ascii', value: '2024:05:01 12:34:56' },
    { tag: 0x9011, type: 'ascii', value: '+02:00' },
    { tag: 0x829a, type: 'rational', value: 0.004 },
    { tag: 0x8827, type: 'short', value: 400 },
    { tag: 0xa002, type: 'long', value: 4000 },
    { tag: 0xa003, type: 'long', value: 3000 },
  ],
  [
    { tag: 0x0001, type: 'ascii', value: 'S' },
    { tag: 0x0002, type: 'rational', value: [33, 51, 36] },
    { tag: 0x0003, type: 'ascii', value: 'E' },
    { tag: 0x0004, type: 'rational', value: [151, 12, 36] },
  ],
);

// --- tests ---------------------------------------------------------------------------------

describe('inspect: EXIF', () => {
  let dir: string;
  let inspector: Inspector;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'inspect-exif-'));
    inspector = await createInspector({
      sidecarPattern: '{stem}.pred.json',
      maxFileSize: 1024 ** 3,
      pii: { enabled: true, maxScanBytes: 1024, detectors: ['email'], custom: [] },
      plugins: [],
    });
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function inspectBytes(name: string, content: Buffer) {
    const absPath = path.join(dir, name);
    await fs.writeFile(absPath, content);
    return inspector.inspect({ folderId: 'cam', absPath, relPath: name });
  }

  it('reads camera, time, exposure and signed GPS fields; size comes from the frame header', async () => {
    const result = await inspectBytes('shot.jpg', jpeg(640, 480, CAMERA_EXIF));
    assert.deepEqual(result.exif, {
      Make: 'Acme',
      Model: 'FieldCam 3',
      DateTimeOriginal: '2024-05-01T12:34:56+02:00',
      GPSLatitude: -(33 + 51 / 60 + 36 / 3600),
      GPSLongitude: 151 + 12 / 60 + 36 / 3600,
      Orientation: 6,
      ImageWidth: 640,
      ImageHeight: 480,
      ExposureTime: 0.004,
      ISO: 400,
    });
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(result.tags, {});
  });

  it('reads EXIF from the head of a JPEG larger than the first read chunk', async () => {
    const result = await inspectBytes('big.jpg', jpeg(4000, 3000, CAMERA_EXIF, 600 * 1024));
    assert.equal(result.exif?.['Model'], 'FieldCam 3');
    assert.equal(result.exif?.['ImageWidth'], 4000);
    assert.deepEqual(result.tags, {}, 'the end-of-image marker was found in the last chunk');
  });

  it('gives a JPEG without EXIF just its dimensions', async () => {
    const result = await inspectBytes('plain.jpg', jpeg(32, 16));
    assert.deepEqual(result.exif, { ImageWidth: 32, ImageHeight: 16 });
    assert.deepEqual(result.warnings, []);
  });

  it('turns damaged EXIF into a warning, not a failure', async () => {
    // An IFD offset far past the end of the segment.
    const broken = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0xff, 0xff, 0xff, 0x7f]);
    const result = await inspectBytes('broken.jpg', jpeg(8, 8, broken));
    assert.equal(result.contentType, 'image/jpeg');
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0]!, /^EXIF (partly )?unreadable: /);
    assert.deepEqual(result.exif, { ImageWidth: 8, ImageHeight: 8 });
  });

  it('does not look for EXIF in files that are not images', async () => {
    const result = await inspectBytes('exif-in-text.txt', Buffer.from('Exif\0\0 Make=Acme'));
    assert.equal(result.exif, undefined);
  });
});
