/**
 * Browser mode's picture route on a real server, queue and files: thumbnails and images by queue id,
 * revalidation by content hash, and refusals for unknown ids, path tricks, other sites and missing tokens.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { EngineHost } from '../main/host/engine-host.ts';
import { type RunningServer, startServer } from '../main/serve/server.ts';
import { imagePath, thumbnailPath } from '../shared/contract/media.ts';
import { type MediaSite, mediaSite, simulatedFrames } from './support/media-fixture.ts';
import { rawRequest as get } from './support/raw-http.ts';

describe('browser mode: /media pictures', () => {
  let media: MediaSite;
  let host: EngineHost;
  let open: RunningServer;
  let guarded: RunningServer;
  let bare: RunningServer;
  let frame: Buffer;
  let id: number;
  const token = 'a'.repeat(64);

  beforeAll(async () => {
    media = await mediaSite();
    frame = (await simulatedFrames(1, 41))[0]!;
    id = await media.add('cam1/frame.jpg', frame);
    await writeFile(join(media.dir, 'secret.txt'), 'TOP SECRET');
    const queue = media.queue;
    host = new EngineHost(
      { queue, on: (e, l) => queue.on(e, l), off: (e, l) => queue.off(e, l) },
      { engineVersion: '0.1.0-test' },
    );
    const staticDir = join(media.dir, 'no-ui');
    open = await startServer({ host, staticDir, media: media.library });
    guarded = await startServer({ host, staticDir, media: media.library, token });
    bare = await startServer({ host, staticDir });
  });
  afterAll(async () => {
    await open?.close();
    await guarded?.close();
    await bare?.close();
    host?.close();
    await media?.close();
  });

  test('a thumbnail and the full image by queue id, with a content tag that revalidates without reading', async () => {
    const thumb = await get(open.port, thumbnailPath(id));
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers['content-type'], 'image/webp');
    assert.equal(thumb.headers['x-content-type-options'], 'nosniff');
    const meta = await sharp(thumb.body).metadata();
    assert.deepEqual([meta.width, meta.height], [160, 120]);
    const image = await get(open.port, imagePath(id));
    assert.equal(image.status, 200);
    assert.equal(image.headers['content-type'], 'image/jpeg');
    assert.ok(image.body.equals(frame), 'the capture, byte for byte');
    const etag = String(image.headers.etag);
    assert.match(etag, /^"image-[0-9a-f]{64}"$/);
    assert.equal((await get(open.port, imagePath(id), { 'if-none-match': etag })).status, 304);
    const head = await get(open.port, thumbnailPath(id), {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  });

  test('unknown ids, malformed ids and path tricks get 404 and never a file', async () => {
    for (const path of [
      '/media/thumb/999',
      '/media/image/0',
      '/media/thumb/abc',
      '/media/thumb/-1',
      `/media/thumb/${id}/`,
      '/media/image/..%2F..%2Fsecret.txt',
      '/media/image/%2e%2e/%2e%2e/secret.txt',
      '/media/../secret.txt',
      '/media/image/../../secret.txt',
      '/media/thumb/1e3',
      '/media/thumb/99999999999999999999',
      '/media/video/1',
    ]) {
      const answer = await get(open.port, path);
      assert.ok(answer.status === 404 || answer.status === 503, `${path}: ${answer.status}`);
      assert.ok(!answer.body.toString().includes('TOP SECRET'), path);
      assert.notEqual(answer.headers['content-type'], 'image/jpeg', path);
    }
    const unknown = await get(open.port, '/media/thumb/999');
    assert.equal(unknown.headers['x-media-error'], 'unknown_file');
    assert.match(unknown.body.toString(), /The queue has no file 999/);
  });

  test('a file that is not a picture, or changed since inspection, is refused with its reason', async () => {
    const csv = await media.add('plc/r.csv', Buffer.from('a,b\n1,2\n'), 'text/csv');
    const answer = await get(open.port, imagePath(csv));
    assert.equal(answer.status, 415);
    assert.equal(answer.headers['x-media-error'], 'not_an_image');
    const swapped = await media.add('cam1/swapped.jpg', frame);
    await writeFile(join(media.captures, 'cam1', 'swapped.jpg'), 'not the inspected bytes');
    const changed = await get(open.port, imagePath(swapped));
    assert.equal(changed.status, 409);
    assert.match(changed.body.toString(), /changed on disk since it was inspected/);
  });

  test('the access policy holds: token required when set, other sites and other hosts refused', async () => {
    assert.equal((await get(guarded.port, thumbnailPath(id))).status, 401);
    assert.equal(
      (await get(guarded.port, imagePath(id), { cookie: 'edge_capture_token=wrong' })).status,
      401,
    );
    const withToken = await get(guarded.port, imagePath(id), { authorization: `Bearer ${token}` });
    assert.equal(withToken.status, 200);
    assert.ok(withToken.body.equals(frame));
    const withCookie = await get(guarded.port, thumbnailPath(id), { cookie: `edge_capture_token=${token}` });
    assert.equal(withCookie.status, 200);
    assert.equal((await get(open.port, imagePath(id), { origin: 'https://evil.example' })).status, 403);
    assert.equal((await get(open.port, imagePath(id), { host: 'evil.example' })).status, 421);
    assert.equal((await get(open.port, imagePath(id), {}, 'POST')).status, 405);
  });

  test('a server started without a media library has no /media route', async () => {
    const answer = await get(bare.port, thumbnailPath(id));
    assert.equal(answer.status, 404);
  });
});
