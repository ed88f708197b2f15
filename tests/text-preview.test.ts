/**
 * Text previews for the Review view's non-image items, on a real queue and real files: CSV split into
 * rows (quotes, commas, line breaks in cells), JSON pretty-printed, a long log cut at 64 KiB, and the
 * same refusals as pictures (unknown id, a link out of the folder, changed since inspection), plus
 * anything inspection did not find to be text (a JPEG, even one named .csv). Then browser mode's
 * `GET /media/text/:id` behind the server's access check.
 */
import assert from 'node:assert/strict';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, test } from 'vitest';
import { type MediaResult, parseCsv, TEXT_PREVIEW_BYTES } from '../main/engine/thumbnails/index.ts';
import { EngineHost } from '../main/host/engine-host.ts';
import { type RunningServer, startServer } from '../main/serve/server.ts';
import { type TextPreviewAnswer, textPath } from '../shared/contract/media.ts';
import { type MediaSite, mediaSite, simulatedFrames } from './support/media-fixture.ts';
import { rawRequest as get } from './support/raw-http.ts';

const sites: MediaSite[] = [];
afterEach(async () => {
  await Promise.all(sites.splice(0).map((site) => site.close()));
});
async function site(): Promise<MediaSite> {
  const made = await mediaSite();
  sites.push(made);
  return made;
}

function value<T>(result: MediaResult<T>): T {
  if (!result.ok) assert.fail(`${result.error.code}: ${result.error.message}`);
  return result.value;
}
function refusal<T>(result: MediaResult<T>, code: string, message: RegExp): void {
  assert.ok(!result.ok, `expected ${code}, got a result`);
  assert.equal(result.error.code, code, result.error.message);
  assert.match(result.error.message, message);
}

const CSV =
  'name,note,value\r\n"Smith, J.","said ""hi""\nthen left",3\r\nplain,<script>alert(1)</script>,4\r\n';
/** A log line of exactly 64 bytes; 16,384 of them make 1 MiB. */
const logLine = (n: number) =>
  `2025-01-01T00:00:00Z INFO line ${String(n).padStart(8, '0')} ${'x'.repeat(23)}\n`;

describe('text previews (engine side)', () => {
  test('a CSV with quotes, commas and line breaks in cells becomes rows; the text is there too', async () => {
    const media = await site();
    const id = await media.add('plc/r.csv', Buffer.from(CSV), 'text/csv');
    const preview = value(await media.library.text(id));
    assert.equal(preview.contentType, 'text/csv');
    assert.equal(preview.truncated, false);
    assert.equal(preview.text, CSV);
    assert.deepEqual(preview.rows, [
      ['name', 'note', 'value'],
      ['Smith, J.', 'said "hi"\nthen left', '3'],
      ['plain', '<script>alert(1)</script>', '4'],
    ]);
  });

  test('CSV rows stop at 200; a CSV cut at 64 KiB leaves out its cut last row', async () => {
    assert.equal(parseCsv('a\n'.repeat(500), ',', 200).rows.length, 200);
    assert.deepEqual(parseCsv('a,b\n\n1,2').rows, [['a', 'b'], [''], ['1', '2']]);
    const media = await site();
    const many = await media.add('many.csv', Buffer.from('n,v\n'.repeat(1000)), 'text/csv');
    assert.equal(value(await media.library.text(many)).rows?.length, 200);
    // 100,000 bytes of 10-byte rows: the 64 KiB head ends in the middle of row 6,554.
    const long = await media.add('long.csv', Buffer.from('123,56789\n'.repeat(10_000)), 'text/csv');
    const preview = value(await media.library.text(long));
    assert.equal(preview.truncated, true);
    assert.equal(preview.rows?.length, 200);
    const wide = await media.add(
      'wide.csv',
      Buffer.from(`${'x'.repeat(70_000)}\n${'a,b\n'.repeat(10)}`),
      'text/csv',
    );
    const cut = value(await media.library.text(wide));
    assert.equal(cut.truncated, true);
    assert.deepEqual(cut.rows, [], 'the only row is cut, so none is shown');
  });

  test('JSON is pretty-printed (big numbers exactly as written); NDJSON and broken JSON as they are', async () => {
    const media = await site();
    const json = '{"id":12345678901234567890,"labels":["person","<b>car</b>"],"score":0.5}';
    const id = await media.add('meta.json', Buffer.from(json), 'application/json');
    const preview = value(await media.library.text(id));
    assert.equal(
      preview.text,
      '{\n  "id": 12345678901234567890,\n  "labels": [\n    "person",\n    "<b>car</b>"\n  ],\n  "score": 0.5\n}',
    );
    assert.equal(preview.rows, undefined);
    const broken = await media.add('broken.json', Buffer.from('{"a": 1,'), 'application/json');
    assert.equal(value(await media.library.text(broken)).text, '{"a": 1,');
    const nd = '{"a":1}\n{"a":2}\n';
    const ndId = await media.add('events.ndjson', Buffer.from(nd), 'application/x-ndjson');
    assert.equal(value(await media.library.text(ndId)).text, nd);
  });

  test('a 1 MiB log is cut at 64 KiB (but all of it is checked against the inspected hash)', async () => {
    const media = await site();
    const log = Buffer.from(Array.from({ length: 16_384 }, (_, n) => logLine(n)).join(''));
    assert.equal(log.length, 1024 * 1024);
    const id = await media.add('plc/run.log', log, 'text/plain');
    const preview = value(await media.library.text(id));
    assert.equal(preview.truncated, true);
    assert.equal(Buffer.byteLength(preview.text), TEXT_PREVIEW_BYTES);
    assert.ok(preview.text.startsWith(logLine(0)));
    assert.ok(preview.text.endsWith(logLine(1023)));
    // One byte changed past the preview still makes it a different file.
    const tail = Buffer.from(log);
    tail[tail.length - 2] = 0x79;
    await writeFile(join(media.captures, 'plc', 'run.log'), tail);
    refusal(await media.library.text(id), 'changed', /changed on disk since it was inspected/);
  });

  test('invalid UTF-8 is replaced, and a character cut at 64 KiB is left out rather than mangled', async () => {
    const media = await site();
    const bad = await media.add('bad.txt', Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a]), 'text/plain');
    assert.equal(value(await media.library.text(bad)).text, 'a\uFFFD\uFFFDb\n');
    // 'é' is two bytes: one 'a' first puts its second byte past the 64 KiB boundary.
    const euro = Buffer.from(`a${'é'.repeat(40_000)}`);
    const id = await media.add('accents.txt', euro, 'text/plain');
    const preview = value(await media.library.text(id));
    assert.equal(preview.text, `a${'é'.repeat((TEXT_PREVIEW_BYTES - 2) / 2)}`);
    assert.ok(!preview.text.includes('\uFFFD'));
  });

  test('refused: a picture, a JPEG named .csv, an unknown id, a link out of the folder, a changed file', async () => {
    const media = await site();
    const frame = (await simulatedFrames(1, 5))[0]!;
    const jpeg = await media.add('cam/f.jpg', frame, 'image/jpeg');
    refusal(await media.library.text(jpeg), 'not_text', /image\/jpeg, not text/);
    // The name says CSV; inspection read JPEG bytes: the bytes win.
    const disguised = await media.add('cam/f.csv', frame, 'image/jpeg');
    refusal(await media.library.text(disguised), 'not_text', /not text/);
    const binary = await media.add('blob.log', Buffer.from([0, 1, 2, 3]), 'application/octet-stream');
    refusal(await media.library.text(binary), 'not_text', /application\/octet-stream/);
    refusal(await media.library.text(999), 'unknown_file', /no file 999/);
    const secret = join(media.dir, 'secret.txt');
    await writeFile(secret, 'TOP SECRET\n');
    await symlink(secret, join(media.captures, 'link.txt'));
    const linked = media.record(
      'link.txt',
      join(media.captures, 'link.txt'),
      Buffer.from('TOP SECRET\n'),
      'text/plain',
    );
    refusal(await media.library.text(linked), 'outside_folders', /leads out of its capture folder/);
    const swapped = await media.add('s.csv', Buffer.from('a,b\n'), 'text/csv');
    await writeFile(join(media.captures, 's.csv'), 'a,c\n');
    refusal(await media.library.text(swapped), 'changed', /changed on disk/);
    // And the picture routes still refuse text.
    refusal(await media.library.image(swapped), 'not_an_image', /not a picture/);
  });
});

describe('browser mode: GET /media/text/:fileId', () => {
  let media: MediaSite;
  let host: EngineHost;
  let open: RunningServer;
  let guarded: RunningServer;
  let csv: number;
  let log: number;
  let jpeg: number;
  const token = 'b'.repeat(64);

  beforeAll(async () => {
    media = await mediaSite();
    csv = await media.add('plc/r.csv', Buffer.from(CSV), 'text/csv');
    log = await media.add(
      'plc/run.log',
      Buffer.from(Array.from({ length: 16_384 }, (_, n) => logLine(n)).join('')),
      'text/plain',
    );
    jpeg = await media.add('cam/f.jpg', (await simulatedFrames(1, 6))[0]!, 'image/jpeg');
    await writeFile(join(media.dir, 'secret.txt'), 'TOP SECRET');
    const queue = media.queue;
    host = new EngineHost(
      { queue, on: (e, l) => queue.on(e, l), off: (e, l) => queue.off(e, l) },
      { engineVersion: '0.1.0-test' },
    );
    const staticDir = join(media.dir, 'no-ui');
    open = await startServer({ host, staticDir, media: media.library });
    guarded = await startServer({ host, staticDir, media: media.library, token });
  });
  afterAll(async () => {
    await open?.close();
    await guarded?.close();
    host?.close();
    await media?.close();
  });

  test('a CSV as JSON with its rows, never cached, never sniffed', async () => {
    assert.equal(textPath(csv), `/media/text/${csv}`);
    const answer = await get(open.port, textPath(csv));
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(answer.headers['cache-control'], 'no-store');
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    const body = JSON.parse(answer.body.toString()) as TextPreviewAnswer;
    assert.deepEqual(body, {
      contentType: 'text/csv',
      text: CSV,
      truncated: false,
      rows: [
        ['name', 'note', 'value'],
        ['Smith, J.', 'said "hi"\nthen left', '3'],
        ['plain', '<script>alert(1)</script>', '4'],
      ],
    });
  });

  test('a 1 MiB log comes back cut at 64 KiB, with no rows', async () => {
    const body = JSON.parse((await get(open.port, textPath(log))).body.toString()) as TextPreviewAnswer;
    assert.equal(body.truncated, true);
    assert.equal(Buffer.byteLength(body.text), TEXT_PREVIEW_BYTES);
    assert.equal(body.rows, undefined);
  });

  test('a JPEG is 415 not_text; unknown ids and path tricks are 404 and never a file', async () => {
    const picture = await get(open.port, textPath(jpeg));
    assert.equal(picture.status, 415);
    assert.equal(picture.headers['x-media-error'], 'not_text');
    const unknown = await get(open.port, textPath(999));
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers['x-media-error'], 'unknown_file');
    for (const path of [
      '/media/text/0',
      '/media/text/abc',
      `/media/text/${csv}/`,
      '/media/text/..%2F..%2Fsecret.txt',
      '/media/text/%2e%2e/%2e%2e/secret.txt',
      '/media/text/../../secret.txt',
    ]) {
      const answer = await get(open.port, path);
      assert.ok(answer.status === 404 || answer.status === 503, `${path}: ${answer.status}`);
      assert.ok(!answer.body.toString().includes('TOP SECRET'), path);
    }
  });

  test('a file changed after inspection is 409 changed', async () => {
    const id = await media.add('plc/changed.json', Buffer.from('{"a":1}'), 'application/json');
    await writeFile(join(media.captures, 'plc', 'changed.json'), '{"a":2}');
    const answer = await get(open.port, textPath(id));
    assert.equal(answer.status, 409);
    assert.equal(answer.headers['x-media-error'], 'changed');
  });

  test('the access policy holds: token required when set, other sites and hosts refused', async () => {
    assert.equal((await get(guarded.port, textPath(csv))).status, 401);
    const withToken = await get(guarded.port, textPath(csv), { authorization: `Bearer ${token}` });
    assert.equal(withToken.status, 200);
    assert.equal((await get(open.port, textPath(csv), { origin: 'https://evil.example' })).status, 403);
    assert.equal((await get(open.port, textPath(csv), { host: 'evil.example' })).status, 421);
  });
});
