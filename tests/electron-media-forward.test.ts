/**
 * The desktop app's pictures: `app://edge-capture/media/…` → the app:// handler in the main process →
 * HostSupervisor.call('media.get') over the parent port → the engine host process → browser mode's
 * answerMedia on a real engine, real queue and real files → back as a WHATWG Response.
 *
 * STAND-IN for Electron's utilityProcess: a REAL Node child process (child_process.fork, IPC with
 * structured-clone serialization, as Electron's parent port uses) running the same host-process.ts
 * and host-service.ts the utility process runs. Only the port object differs (Node IPC in place of
 * `process.parentPort`). Electron's `protocol.handle` is not here: the handler is called with a Request.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { createAppProtocolHandler, SECURITY_HEADERS } from '../main/electron/app-protocol.ts';
import type { HostEntryArgs } from '../main/electron/host-process.ts';
import { type HostProcess, HostSupervisor, type ProcessLauncher } from '../main/electron/host-supervisor.ts';
import { createMediaForwarder } from '../main/electron/media-forward.ts';
import { revealFile } from '../main/electron/reveal-file.ts';
import { imagePath, textPath, thumbnailPath } from '../shared/contract/media.ts';
import { dropFile, makeSite, oneCameraYaml, type Site, waitFor } from './support/engine-fixtures.ts';
import { simulatedFrames } from './support/media-fixture.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHILD = `
import { runHostProcess } from ${JSON.stringify(pathToFileURL(join(ROOT, 'main/electron/host-process.ts')).href)};
import { startHostService } from ${JSON.stringify(pathToFileURL(join(ROOT, 'main/electron/host-service.ts')).href)};
// Node's IPC in place of Electron's process.parentPort ({ data, ports } events, postMessage).
const parentPort = {
  on: (_event, listener) => process.on('message', (data) => listener({ data, ports: [] })),
  postMessage: (message) => process.send(message),
};
const running = runHostProcess({
  parentPort,
  args: JSON.parse(process.argv[2]),
  start: startHostService,
  connect: () => undefined,
  log: () => undefined,
  exit: (code) => process.exit(code),
});
process.once('SIGTERM', () => void running.stop());
`;

class NodeHostLauncher implements ProcessLauncher<never> {
  readonly children: ChildProcess[] = [];
  private readonly script: string;
  private readonly args: HostEntryArgs;
  constructor(script: string, args: HostEntryArgs) {
    this.script = script;
    this.args = args;
  }
  launch(): HostProcess<never> {
    const child = fork(this.script, [JSON.stringify(this.args)], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.children.push(child);
    return {
      pid: child.pid,
      post: (message) => child.send(message),
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.on('exit', (code) => listener(code)),
      kill: () => child.kill('SIGKILL'),
    };
  }
  get current(): ChildProcess {
    const child = this.children.at(-1);
    assert.ok(child);
    return child;
  }
}

const CONFIG = ({ captures, dataDir }: { captures: string; dataDir: string }) => `
site: desktop-media
${oneCameraYaml({ captures, dataDir })}
defaultAction: { action: skip, reason: nothing matched }
`;

const url = (path: string) => `app://edge-capture${path}`;

describe('desktop app://…/media/ forwarded to a real engine host process', () => {
  let site: Site;
  let tmp: string;
  let launcher: NodeHostLauncher;
  let supervisor: HostSupervisor<never>;
  let handler: (request: Request) => Promise<Response>;
  let frame: Buffer;
  const refused: string[] = [];
  const ids = new Map<string, number>();

  const get = (path: string, init: RequestInit = {}) => handler(new Request(url(path), init));
  /** Waits until the engine inspected `relPath` (its image or text answer stops being 404/409). */
  const idOf = async (relPath: string, kind: 'image' | 'text'): Promise<number> => {
    const known = ids.get(relPath);
    if (known) return known;
    const id = await waitFor(async () => {
      for (let candidate = 1; candidate <= 10; candidate += 1) {
        const location = await supervisor.call('file.location', { fileId: candidate }, 5_000);
        if (location.found && location.relPath === relPath) {
          const path = kind === 'image' ? imagePath(candidate) : textPath(candidate);
          const status = (await get(path, { method: 'HEAD' })).status;
          return status === 409 ? undefined : candidate;
        }
      }
      return undefined;
    }, `${relPath} to be inspected`);
    ids.set(relPath, id);
    return id;
  };

  beforeAll(async () => {
    site = await makeSite(CONFIG);
    tmp = await mkdtemp(join(tmpdir(), 'edge-media-forward-'));
    const script = join(tmp, 'host-child.mjs');
    await writeFile(script, CHILD);
    const renderer = join(tmp, 'renderer');
    await import('node:fs/promises').then((fs) => fs.mkdir(renderer));
    await writeFile(join(renderer, 'index.html'), '<!doctype html><title>Edge Capture</title>');
    launcher = new NodeHostLauncher(script, {
      site: { kind: 'config', path: site.configPath },
      engineVersion: '0.1.0-media-forward',
    });
    supervisor = new HostSupervisor(launcher, () => undefined, { backoffBaseMs: 200, backoffMaxMs: 400 });
    const ready = new Promise<void>((resolve) => supervisor.once('ready', () => resolve()));
    supervisor.start();
    await ready;
    handler = createAppProtocolHandler(
      renderer,
      (u, why) => refused.push(`${u}: ${why}`),
      createMediaForwarder(
        (query, timeoutMs) => supervisor.call('media.get', query, timeoutMs),
        SECURITY_HEADERS,
      ),
    );
    frame = (await simulatedFrames(1, 7))[0]!;
    await dropFile(join(site.captures, 'frame.jpg'), frame);
    await dropFile(join(site.captures, 'readings.csv'), 'time,temp\n1,20.5\n2,21\n');
  }, 60_000);

  afterAll(async () => {
    await supervisor?.stop(10_000);
    await site?.cleanup();
    await rm(tmp, { recursive: true, force: true });
  });

  test('the picture, its thumbnail and a revalidation, with browser mode headers and the app CSP', async () => {
    const id = await idOf('frame.jpg', 'image');
    const sha = createHash('sha256').update(frame).digest('hex');

    const image = await get(imagePath(id));
    assert.equal(image.status, 200);
    assert.ok(Buffer.from(await image.arrayBuffer()).equals(frame), 'the capture, byte for byte');
    assert.equal(image.headers.get('Content-Type'), 'image/jpeg');
    assert.equal(image.headers.get('Content-Length'), String(frame.length));
    assert.equal(image.headers.get('ETag'), `"image-${sha}"`);
    assert.equal(image.headers.get('Cache-Control'), 'private, no-cache');
    assert.equal(image.headers.get('Content-Disposition'), 'inline');
    assert.equal(image.headers.get('Cross-Origin-Resource-Policy'), 'same-origin');
    assert.equal(image.headers.get('Content-Security-Policy'), SECURITY_HEADERS['Content-Security-Policy']);
    assert.equal(image.headers.get('X-Content-Type-Options'), 'nosniff');

    const again = await get(imagePath(id), { headers: { 'If-None-Match': `"image-${sha}"` } });
    assert.equal(again.status, 304);
    assert.equal((await again.arrayBuffer()).byteLength, 0);
    assert.equal(again.headers.get('ETag'), `"image-${sha}"`);

    const head = await get(imagePath(id), { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('Content-Length'), String(frame.length));

    const thumb = await get(thumbnailPath(id));
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers.get('Content-Type'), 'image/webp');
    assert.equal(thumb.headers.get('ETag'), `"thumb-${sha}"`);
    const webp = Buffer.from(await thumb.arrayBuffer());
    assert.equal(webp.subarray(0, 4).toString('latin1'), 'RIFF');
    assert.equal(webp.subarray(8, 12).toString('latin1'), 'WEBP');
  });

  test('a text preview as JSON, never cached', async () => {
    const id = await idOf('readings.csv', 'text');
    const answer = await get(textPath(id));
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('Content-Type'), 'application/json; charset=utf-8');
    assert.equal(answer.headers.get('Cache-Control'), 'no-store');
    const body = (await answer.json()) as { rows?: string[][]; truncated: boolean };
    assert.deepEqual(body.rows?.[1], ['1', '20.5']);
    assert.equal(body.truncated, false);
    // Not a picture: the engine's own refusal, word for word as in browser mode.
    const notImage = await get(imagePath(id));
    assert.equal(notImage.status, 415);
    assert.equal(notImage.headers.get('X-Media-Error'), 'not_an_image');
    assert.match(await notImage.text(), /readings\.csv is not a picture that can be shown/);
  });

  test('unknown ids and other spellings are refused; the renderer folder is never searched for /media/', async () => {
    const unknown = await get(imagePath(999));
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('X-Media-Error'), 'unknown_file');
    assert.match(await unknown.text(), /The queue has no file 999/);
    assert.equal(unknown.headers.get('Content-Security-Policy'), SECURITY_HEADERS['Content-Security-Policy']);
    for (const path of [
      '/media/image/0',
      '/media/image/01',
      '/media/image/abc',
      '/media/file/1',
      '/media/image/1/x',
      '/media/index.html',
    ]) {
      const answer = await get(path);
      assert.equal(answer.status, 404, path);
      assert.equal(await answer.text(), 'Not found.\n', path);
    }
    assert.equal((await get('/media/image/1', { method: 'POST' })).status, 405);
    assert.equal((await get('/index.html')).status, 200, 'the renderer is still served');
  });

  test('a picture over the forwarding limit is refused with its size (413)', async () => {
    const id = await idOf('frame.jpg', 'image');
    const small = createMediaForwarder(
      (query, timeoutMs) => supervisor.call('media.get', query, timeoutMs),
      SECURITY_HEADERS,
      { maxBytes: 1000 },
    );
    const answer = await small(new Request(url(imagePath(id))));
    assert.equal(answer.status, 413);
    assert.equal(answer.headers.get('X-Media-Error'), 'too_large');
    assert.match(
      await answer.text(),
      new RegExp(`is ${frame.length.toLocaleString('en')} bytes, over the 1,000-byte limit`),
    );
  });

  test('a full line is answered at once (503), not queued without bound', async () => {
    const id = await idOf('frame.jpg', 'image');
    const narrow = createMediaForwarder(
      (query, timeoutMs) => supervisor.call('media.get', query, timeoutMs),
      SECURITY_HEADERS,
      { concurrency: 1, maxWaiting: 1 },
    );
    const answers = await Promise.all([1, 2, 3, 4].map(() => narrow(new Request(url(imagePath(id))))));
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 503, 503],
    );
    assert.equal(answers[2]!.headers.get('X-Media-Error'), 'engine_unavailable');
    assert.match(await answers[2]!.text(), /Too many pictures asked for at once/);
  });

  test('the file shown in the file manager is the real file inside its capture folder', async () => {
    const id = await idOf('frame.jpg', 'image');
    const shown: string[] = []; // STAND-IN for Electron's shell.showItemInFolder
    const deps = {
      locate: (fileId: number) => supervisor.call('file.location', { fileId }, 5_000),
      showItemInFolder: (path: string) => shown.push(path),
    };
    const outcome = await revealFile(id, deps);
    assert.deepEqual(outcome, { ok: true, path: join(site.captures, 'frame.jpg') });
    assert.deepEqual(shown, [join(site.captures, 'frame.jpg')]);
    assert.deepEqual(await revealFile(999, deps), { ok: false, message: 'The queue has no file 999.' });
    assert.equal(shown.length, 1);
  });

  test('the host checks every call it gets: unknown calls and bad parameters come back as sentences', async () => {
    await assert.rejects(
      supervisor.call('media.get', { kind: 'thumb', fileId: -1, head: false }, 5_000),
      /Bad parameters for media\.get: fileId: /,
    );
    await assert.rejects(
      supervisor.call('media.get', { kind: 'original', fileId: 1, head: false } as never, 5_000),
      /Bad parameters for media\.get: kind: /,
    );
    await assert.rejects(
      supervisor.call('shell.exec' as never, {} as never, 5_000),
      /There is no call "shell\.exec"\./,
    );
  });

  test('a stopped host answers nothing: 504 when it does not answer in time, 503 while it restarts', async () => {
    const id = await idOf('frame.jpg', 'image');
    const quick = createMediaForwarder((query) => supervisor.call('media.get', query, 300), SECURITY_HEADERS);
    const child = launcher.current;
    child.kill('SIGSTOP');
    try {
      const late = await quick(new Request(url(thumbnailPath(id))));
      assert.equal(late.status, 504);
      assert.equal(late.headers.get('X-Media-Error'), 'engine_timeout');
      assert.match(await late.text(), /The engine did not send the picture in time/);
    } finally {
      child.kill('SIGCONT');
    }
    const restarted = new Promise<void>((resolve) => supervisor.once('ready', () => resolve()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    const down = await get(imagePath(id));
    assert.equal(down.status, 503);
    assert.equal(down.headers.get('X-Media-Error'), 'engine_unavailable');
    assert.match(
      await down.text(),
      /The engine is not running \(it is being restarted\); try again in a moment/,
    );
    await restarted;
    const back = await get(imagePath(id));
    assert.equal(back.status, 200);
    assert.ok(Buffer.from(await back.arrayBuffer()).equals(frame));
  }, 30_000);

  test('a picture removed from disk answers 410 gone, and reveal says the file is gone', async () => {
    await dropFile(join(site.captures, 'short-lived.jpg'), frame);
    const id = await idOf('short-lived.jpg', 'image');
    // A link in the capture folder leading out of it is never shown in the file manager.
    const outside = join(tmp, 'outside.jpg');
    await writeFile(outside, frame);
    await unlink(join(site.captures, 'short-lived.jpg'));
    const gone = await get(imagePath(id));
    assert.equal(gone.status, 410);
    assert.equal(gone.headers.get('X-Media-Error'), 'gone');
    const shown: string[] = [];
    const deps = {
      locate: (fileId: number) => supervisor.call('file.location', { fileId }, 5_000),
      showItemInFolder: (path: string) => shown.push(path),
    };
    assert.deepEqual(await revealFile(id, deps), {
      ok: false,
      message: `The file is gone from ${join(site.captures, 'short-lived.jpg')}.`,
    });
    await symlink(outside, join(site.captures, 'short-lived.jpg'));
    const out = await revealFile(id, deps);
    assert.equal(out.ok, false);
    assert.match(out.ok ? '' : out.message, /leads out of its folder/);
    assert.deepEqual(shown, []);
  });
});
