/**
 * Thumbnails and pictures for the Review view, on a real queue, real files and real sharp: made once per
 * content in the data folder, bounded in size, and refused with a clear reason for anything that is not
 * the inspected picture (corrupt, huge, changed, deleted, a link out of the folder, not an image).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, test } from 'vitest';
import { MediaLibrary, type MediaResult } from '../main/engine/thumbnails/index.ts';
import { type MediaSite, mediaSite, simulatedFrames } from './support/media-fixture.ts';

const sites: MediaSite[] = [];
afterEach(async () => {
  await Promise.all(sites.splice(0).map((site) => site.close()));
});

async function site(options: Parameters<typeof mediaSite>[0] = {}): Promise<MediaSite> {
  const made = await mediaSite(options);
  sites.push(made);
  return made;
}

let frames: Buffer[];
beforeAll(async () => {
  frames = await simulatedFrames(8, 31);
});

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function value<T>(result: MediaResult<T>): T {
  if (!result.ok) assert.fail(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

function refusal<T>(result: MediaResult<T>, code: string, message: RegExp): void {
  assert.ok(!result.ok, `expected ${code}, got a result`);
  assert.equal(result.error.code, code, result.error.message);
  assert.match(result.error.message, message);
}

/** A real 8×8 PNG whose header claims 30000×30000 pixels: tiny on disk, 900 megapixels to decode. */
async function pixelBomb(): Promise<Buffer> {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
  png.writeUInt32BE(30_000, 16);
  png.writeUInt32BE(30_000, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)) >>> 0, 29);
  return png;
}

describe('thumbnails', () => {
  test('a frame gets a 160 px WebP in <dataDir>/thumbnails/ab/<sha>.webp, made once: a second call reads it', async () => {
    const media = await site();
    const frame = frames[0]!;
    const id = await media.add('cam1/frame.jpg', frame);
    const first = value(await media.library.thumbnail(id));
    assert.equal(first.contentType, 'image/webp');
    assert.equal(first.sha256, sha(frame));
    const meta = await sharp(first.bytes).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 160, 120]);
    const path = join(media.dataDir, 'thumbnails', sha(frame).slice(0, 2), `${sha(frame)}.webp`);
    assert.equal(media.library.thumbnails.pathFor(sha(frame)), path);
    const before = await stat(path);
    const second = value(await media.library.thumbnail(id));
    const after = await stat(path);
    assert.ok(second.bytes.equals(first.bytes));
    assert.equal(after.ino, before.ino, 'same file, not rewritten');
    assert.equal(after.mtimeMs, before.mtimeMs, 'not touched');
    // Nothing was written next to the capture.
    assert.deepEqual(await readdir(join(media.captures, 'cam1')), ['frame.jpg']);
  });

  test('one thumbnail per content: two ids with the same bytes share it; concurrent requests render once', async () => {
    const media = await site();
    const a = await media.add('a.jpg', frames[1]!);
    const b = await media.add('copy/b.jpg', frames[1]!);
    let loads = 0;
    const cache = media.library.thumbnails;
    const direct = await Promise.all(
      [1, 2, 3].map(() =>
        cache.get(sha(frames[1]!), async () => {
          loads++;
          return { ok: true, value: frames[1]! };
        }),
      ),
    );
    assert.equal(loads, 1, 'three requests at once read and rendered the picture once');
    const viaIds = await Promise.all([a, b].map(async (id) => value(await media.library.thumbnail(id))));
    for (const result of [...direct.map((d) => value(d)), ...viaIds])
      assert.ok(result.bytes.equals(viaIds[0]!.bytes));
    const shard = await readdir(join(media.dataDir, 'thumbnails', sha(frames[1]!).slice(0, 2)));
    assert.deepEqual(shard, [`${sha(frames[1]!)}.webp`]);
  });

  test('over the size limit the oldest thumbnails are deleted; a fresh cache counts what is on disk', async () => {
    // Thumbnail sizes differ with the scene: measure them, then allow exactly the newest three.
    const probe = await site();
    const sizes: number[] = [];
    for (const [i, frame] of frames.slice(0, 6).entries())
      sizes.push(value(await probe.library.thumbnail(await probe.add(`p${i}.jpg`, frame))).bytes.length);
    const maxBytes = sizes[3]! + sizes[4]! + sizes[5]!;
    const media = await site({ thumbnails: { maxBytes } });
    const ids: number[] = [];
    for (const [i, frame] of frames.slice(0, 6).entries()) {
      ids.push(await media.add(`f${i}.jpg`, frame));
      value(await media.library.thumbnail(ids[i]!));
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct creation times
    }
    const cache = media.library.thumbnails;
    const present = (i: number) =>
      stat(cache.pathFor(sha(frames[i]!))).then(
        () => true,
        () => false,
      );
    const kept = await Promise.all(frames.slice(0, 6).map((_, i) => present(i)));
    assert.deepEqual(kept, [false, false, false, true, true, true], 'oldest first, until it fits');
    assert.equal(cache.totalBytes, maxBytes);
    let onDisk = 0;
    for (const shard of await readdir(cache.settings.dir))
      for (const name of await readdir(join(cache.settings.dir, shard)))
        onDisk += (await stat(join(cache.settings.dir, shard, name))).size;
    assert.equal(onDisk, cache.totalBytes, 'the count matches the folder');
    // After a restart, a new cache learns the folder's size from disk.
    const restarted = new MediaLibrary({
      queue: media.queue,
      folders: [{ id: 'captures', path: media.captures }],
      dataDir: media.dataDir,
      thumbnails: { maxBytes },
    });
    value(await restarted.thumbnail(ids[5]!));
    assert.equal(restarted.thumbnails.totalBytes, onDisk);
    // An evicted thumbnail is made again on request, and the oldest left make room for it.
    let loads = 0;
    const again = await cache.get(sha(frames[0]!), async () => {
      loads++;
      return { ok: true, value: frames[0]! };
    });
    assert.equal(value(again).rendered, true);
    assert.equal(loads, 1);
    assert.ok(cache.totalBytes <= maxBytes);
    assert.equal(await present(0), true);
  });

  test('a corrupt JPEG, garbage after a JPEG header and a pixel bomb give clear errors, cache nothing, crash nothing', async () => {
    const media = await site();
    const truncated = frames[2]!.subarray(0, Math.floor(frames[2]!.length * 0.6));
    const noise = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 0x5a)]);
    refusal(
      await media.library.thumbnail(await media.add('cut.jpg', truncated)),
      'undecodable',
      /cannot be decoded/,
    );
    refusal(
      await media.library.thumbnail(await media.add('noise.jpg', noise)),
      'undecodable',
      /may be damaged/,
    );
    const bomb = await pixelBomb();
    refusal(
      await media.library.thumbnail(await media.add('bomb.png', bomb, 'image/png')),
      'too_large',
      /more than 100,000,000 pixels/,
    );
    refusal(
      await media.library.thumbnail(await media.add('junk.jpg', Buffer.from('not a picture'))),
      'not_an_image',
      /not a picture/,
    );
    const cached = await readdir(join(media.dataDir, 'thumbnails'), { recursive: true }).catch(() => []);
    assert.deepEqual(
      cached.filter((name) => String(name).endsWith('.webp')),
      [],
    );
    // The library goes on working.
    value(await media.library.thumbnail(await media.add('fine.jpg', frames[3]!)));
  });
});

describe('full pictures', () => {
  test('the capture is served as it is, with its type from its bytes', async () => {
    const media = await site();
    const id = await media.add('cam2/f.jpg', frames[4]!);
    const image = value(await media.library.image(id));
    assert.equal(image.contentType, 'image/jpeg');
    assert.ok(image.bytes.equals(frames[4]!));
    assert.equal(media.library.contentHash(id), sha(frames[4]!));
  });

  test('only the inspected content, from inside its capture folder, is ever handed out', async () => {
    const media = await site({ maxImageBytes: 200_000 });
    refusal(await media.library.image(999), 'unknown_file', /no file 999/);
    // Replaced on disk after inspection.
    const swapped = await media.add('swapped.jpg', frames[5]!);
    await writeFile(join(media.captures, 'swapped.jpg'), frames[6]!);
    refusal(await media.library.image(swapped), 'changed', /changed on disk since it was inspected/);
    refusal(await media.library.thumbnail(swapped), 'changed', /changed/);
    // Deleted.
    const deleted = await media.add('deleted.jpg', frames[5]!);
    await unlink(join(media.captures, 'deleted.jpg'));
    refusal(await media.library.image(deleted), 'gone', /no longer on disk/);
    // A link in the capture folder to a picture outside it, even one with the recorded hash.
    const outside = join(media.dir, 'outside.jpg');
    await writeFile(outside, frames[7]!);
    await symlink(outside, join(media.captures, 'link.jpg'));
    const linked = media.record('link.jpg', join(media.captures, 'link.jpg'), frames[7]!);
    refusal(await media.library.image(linked), 'outside_folders', /leads out of its capture folder/);
    // Not a picture, not inspected yet, too big.
    const csv = await media.add('r.csv', Buffer.from('a,b\n1,2\n'), 'text/csv');
    refusal(await media.library.image(csv), 'not_an_image', /not a picture/);
    const { id: fresh } = media.queue.discover({
      folderId: 'captures',
      relPath: 'new.jpg',
      absPath: join(media.captures, 'new.jpg'),
      size: 1,
      mtimeMs: 1,
    });
    refusal(await media.library.image(fresh), 'not_inspected', /not been inspected/);
    const noisy = await sharp(randomBytes(600 * 600 * 3), { raw: { width: 600, height: 600, channels: 3 } })
      .png()
      .toBuffer();
    const big = await media.add('big.png', noisy, 'image/png');
    refusal(await media.library.image(big), 'too_large', /over the 200,000-byte limit/);
    // A TIFF gets a thumbnail but is not served raw (browsers do not show it).
    const tiff = await media.add('t.tiff', await sharp(frames[0]!).tiff().toBuffer(), 'image/tiff');
    value(await media.library.thumbnail(tiff));
    refusal(await media.library.image(tiff), 'not_an_image', /not a picture that can be shown/);
    assert.equal((await readFile(outside)).length, frames[7]!.length);
  });
});
