import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ResolvedInspect } from '../main/engine/config/types.ts';
import { createInspector, type Inspector, sniffContentType } from '../main/engine/inspect/index.ts';

const bytes = (...parts: Array<string | number[] | Buffer>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF\0', [1, 1, 0, 0, 1, 0, 1, 0, 0], [0xff, 0xd9]);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IHDR = bytes([0, 0, 0, 13], 'IHDR', [0, 0, 0, 2, 0, 0, 0, 3, 8, 2, 0, 0, 0], [0x12, 0x34, 0x56, 0x78]);
const IEND = bytes([0, 0, 0, 0], 'IEND', [0xae, 0x42, 0x60, 0x82]);
const PNG = bytes(PNG_SIGNATURE, IHDR, IEND);

function tarHeader(): Buffer {
  const block = Buffer.alloc(512);
  block.write('data.txt', 0, 'latin1');
  block.write('ustar\u000000', 257, 'latin1');
  return block;
}

const MAGIC_CASES: Array<[string, Buffer]> = [
  ['image/jpeg', JPEG],
  ['image/png', PNG],
  ['image/gif', bytes('GIF89a', [1, 0, 1, 0])],
  ['image/webp', bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 ')],
  ['image/tiff', bytes([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0])],
  ['image/tiff', bytes([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8])],
  ['image/bmp', bytes('BM', Buffer.alloc(12), [40, 0, 0, 0])],
  ['image/heic', bytes([0, 0, 0, 0x18], 'ftypheic', [0, 0, 0, 0], 'mif1heic')],
  ['image/avif', bytes([0, 0, 0, 0x1c], 'ftypavif', [0, 0, 0, 0], 'avifmif1miaf')],
  ['video/mp4', bytes([0, 0, 0, 0x20], 'ftypisom', [0, 0, 2, 0], 'isomiso2avc1mp41')],
  ['video/quicktime', bytes([0, 0, 0, 0x14], 'ftypqt  ', [0, 0, 2, 0], 'qt  ')],
  ['audio/wav', bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt ')],
  ['audio/mpeg', bytes('ID3', [3, 0, 0, 0, 0, 0])],
  ['audio/mpeg', bytes([0xff, 0xfb, 0x90, 0x64, 0, 0])],
  ['audio/flac', bytes('fLaC', [0, 0, 0, 0x22])],
  ['audio/ogg', bytes('OggS', [0, 2])],
  ['application/pdf', bytes('%PDF-1.7\n')],
  ['application/zip', bytes([0x50, 0x4b, 0x03, 0x04, 20, 0])],
  ['application/gzip', bytes([0x1f, 0x8b, 0x08, 0x00])],
  ['application/zstd', bytes([0x28, 0xb5, 0x2f, 0xfd, 0x04])],
  ['application/x-tar', tarHeader()],
  ['application/vnd.apache.parquet', bytes('PAR1', [0x15, 0x04])],
  ['application/vnd.sqlite3', bytes('SQLite format 3\0', [0x10, 0x00])],
];

describe('sniffContentType: magic bytes', () => {
  for (const [type, head] of MAGIC_CASES) {
    it(`recognises ${type} (${head.subarray(0, 4).toString('hex')}) whatever the extension says`, () => {
      assert.deepEqual(sniffContentType(head, 'capture.dat'), { contentType: type, source: 'magic' });
      assert.deepEqual(sniffContentType(head, 'capture.txt'), { contentType: type, source: 'magic' });
    });
  }

  it('does not take text that starts like a short signature for that format', () => {
    assert.equal(sniffContentType(bytes('BM is short for bench mark\n'), 'notes').contentType, 'text/plain');
    assert.equal(sniffContentType(bytes('ID3,ID4\n1,2\n'), 'ids').contentType, 'text/csv');
    assert.equal(sniffContentType(bytes('BZh? no\n'), 'x').contentType, 'text/plain');
  });
});

describe('sniffContentType: text heuristics and extension fallback', () => {
  it('recognises JSON, XML and CSV by content when the extension does not say', () => {
    assert.deepEqual(sniffContentType(bytes('  {"a": 1}'), 'reading'), {
      contentType: 'application/json',
      source: 'text-heuristic',
    });
    assert.equal(sniffContentType(bytes('[{"a": 1}]'), 'reading').contentType, 'application/json');
    assert.equal(
      sniffContentType(bytes('<?xml version="1.0"?><a/>'), 'reading').contentType,
      'application/xml',
    );
    assert.equal(sniffContentType(bytes('t,temp\n1,20.5\n2,20.7\n'), 'reading').contentType, 'text/csv');
    assert.equal(
      sniffContentType(bytes('t\ttemp\n1\t20.5\n2\t20.7\n'), 'reading').contentType,
      'text/tab-separated-values',
    );
  });

  it('calls log lines that start with a bracketed timestamp plain text, not JSON', () => {
    const log = bytes('[2024-05-01 12:00:00] INFO started\n[2024-05-01 12:00:01] WARN slow disk\n');
    assert.deepEqual(sniffContentType(log, 'service'), {
      contentType: 'text/plain',
      source: 'text-heuristic',
    });
  });

  it('uses the extension to name a text format once the bytes are known to be text', () => {
    assert.deepEqual(sniffContentType(bytes('a;b\n'), 'export.csv'), {
      contentType: 'text/csv',
      source: 'extension',
    });
    assert.deepEqual(sniffContentType(bytes('key: value\n'), 'site.yaml'), {
      contentType: 'application/yaml',
      source: 'extension',
    });
  });

  it('accepts UTF-8 text whose last character is cut off by the head', () => {
    const text = Buffer.from('température: 21 °C\n'.repeat(3));
    const cut = text.subarray(0, text.indexOf('°', 40) + 1); // first byte of the two-byte °
    assert.equal(sniffContentType(cut, 'reading').contentType, 'text/plain');
  });

  it('treats bytes with NULs or invalid UTF-8 as binary', () => {
    assert.deepEqual(sniffContentType(bytes('abc\0def'), 'blob'), {
      contentType: 'application/octet-stream',
      source: 'unknown',
    });
    assert.equal(
      sniffContentType(bytes([0xc3, 0x28, 0x41, 0x42, 0x43]), 'blob').contentType,
      'application/octet-stream',
    );
  });

  it('falls back to the extension when the bytes say nothing', () => {
    assert.deepEqual(sniffContentType(bytes([0x00, 0x01, 0x02, 0xfe]), 'track.mp3'), {
      contentType: 'audio/mpeg',
      source: 'extension',
    });
    assert.deepEqual(sniffContentType(Buffer.alloc(0), 'empty.json'), {
      contentType: 'application/json',
      source: 'extension',
    });
    assert.deepEqual(sniffContentType(Buffer.alloc(0), 'empty'), {
      contentType: 'application/octet-stream',
      source: 'unknown',
    });
  });
});

describe('inspect: file health tags', () => {
  let dir: string;
  let inspector: Inspector;
  const cfg: ResolvedInspect = {
    sidecarPattern: '{stem}.pred.json',
    maxFileSize: 1024 ** 3,
    pii: { enabled: false, maxScanBytes: 1024, detectors: [], custom: [] },
    plugins: [],
  };

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'inspect-health-'));
    inspector = await createInspector(cfg);
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function inspectBytes(name: string, content: Buffer | string) {
    const absPath = path.join(dir, name);
    await fs.writeFile(absPath, content);
    return inspector.inspect({ folderId: 'cam', absPath, relPath: name });
  }

  it('finds a complete JPEG and PNG healthy', async () => {
    assert.deepEqual((await inspectBytes('ok.jpg', JPEG)).tags, {});
    assert.deepEqual((await inspectBytes('ok.png', PNG)).tags, {});
  });

  it('allows zero padding after a JPEG end-of-image marker', async () => {
    assert.deepEqual((await inspectBytes('padded.jpg', bytes(JPEG, Buffer.alloc(32)))).tags, {});
  });

  it('tags a JPEG without its end-of-image marker as corrupt and truncated', async () => {
    const result = await inspectBytes('cut.jpg', JPEG.subarray(0, JPEG.length - 2));
    assert.deepEqual(result.tags, { 'file:corrupt': 1, 'file:truncated': 1 });
    assert.equal(result.contentType, 'image/jpeg');
  });

  it('tags a PNG without IEND as corrupt and truncated', async () => {
    const result = await inspectBytes('cut.png', bytes(PNG_SIGNATURE, IHDR));
    assert.deepEqual(result.tags, { 'file:corrupt': 1, 'file:truncated': 1 });
  });

  it('reports the real type of a .jpg that is a PNG, and tags the mismatch', async () => {
    const result = await inspectBytes('photo.jpg', PNG);
    assert.equal(result.contentType, 'image/png');
    assert.equal(result.contentTypeSource, 'magic');
    assert.deepEqual(result.tags, { 'file:type-mismatch': 1 });
  });

  it('tags a .jpg that is text, and a .csv that is gzip, as mismatched', async () => {
    const textJpg = await inspectBytes('error.jpg', '<html>502 Bad Gateway</html>');
    assert.equal(textJpg.contentType, 'text/plain');
    assert.deepEqual(textJpg.tags, { 'file:type-mismatch': 1 });
    const gzCsv = await inspectBytes('export.csv', bytes([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0]));
    assert.equal(gzCsv.contentType, 'application/gzip');
    assert.deepEqual(gzCsv.tags, { 'file:type-mismatch': 1 });
  });

  it('does not call TIFF-based camera raws or zip-based documents mismatched', async () => {
    const dng = await inspectBytes('frame.dng', bytes([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]));
    assert.equal(dng.contentType, 'image/tiff');
    assert.deepEqual(dng.tags, {});
    const xlsx = await inspectBytes('sheet.xlsx', bytes([0x50, 0x4b, 0x03, 0x04, 20, 0]));
    assert.deepEqual(xlsx.tags, {});
  });

  it('does not call an unrecognised binary with a text extension mismatched (it may be Latin-1)', async () => {
    const latin1 = await inspectBytes('legacy.csv', Buffer.from('name,city\nJos\xe9,M\xe1laga\n', 'latin1'));
    assert.equal(latin1.contentType, 'text/csv');
    assert.deepEqual(latin1.tags, {});
  });
});
