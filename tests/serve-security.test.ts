import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import WebSocket from 'ws';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { EngineHost } from '../main/host/engine-host.ts';
import { loadOrCreateToken } from '../main/serve/access.ts';
import { CONTRACT_PATH, type RunningServer, startServer } from '../main/serve/server.ts';
import { CONTRACT_VERSION, MAX_MESSAGE_CHARS } from '../shared/contract/index.ts';
import { rawRequest } from './support/raw-http.ts';

/** The raw answer with its body as text (fetch() will not send a foreign Host header or an unnormalised path). */
async function get(port: number, path: string, headers: Record<string, string> = {}) {
  const answer = await rawRequest(port, path, headers);
  return { ...answer, body: answer.body.toString('utf8') };
}

type Opened = { ws: WebSocket; messages: Record<string, unknown>[] };

/** Opens the contract socket; resolves with the socket, or rejects with the HTTP status it was refused with. */
function openSocket(port: number, headers: Record<string, string> = {}): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${CONTRACT_PATH}`, { headers });
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
    ws.on('open', () => resolve({ ws, messages }));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.on('error', reject);
  });
}

async function until<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('browser mode: who may reach the engine', () => {
  let dir: string;
  let queue: CaptureQueue;
  let host: EngineHost;
  let open: RunningServer;
  let guarded: RunningServer;
  let token: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edge-serve-'));
    const web = join(dir, 'web');
    await mkdir(join(web, 'assets'), { recursive: true });
    await writeFile(
      join(web, 'index.html'),
      '<!doctype html><title>Edge Capture</title><div id="root"></div>',
    );
    await writeFile(join(web, 'assets', 'app.js'), 'console.log("ui")');
    await writeFile(join(dir, 'secret.txt'), 'TOP SECRET');
    await symlink(join(dir, 'secret.txt'), join(web, 'assets', 'leak.txt'));
    queue = new CaptureQueue(join(dir, 'queue.db'));
    host = new EngineHost(
      { queue, on: (e, l) => queue.on(e, l), off: (e, l) => queue.off(e, l) },
      { engineVersion: '0.1.0-test' },
    );
    ({ token } = await loadOrCreateToken(join(dir, 'data', 'serve-token')));
    open = await startServer({ host, staticDir: web });
    guarded = await startServer({ host, staticDir: web, token });
  });
  afterAll(async () => {
    await open?.close();
    await guarded?.close();
    host?.close();
    queue?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the access token is made once, kept owner-only, and reused', async () => {
    const path = join(dir, 'data', 'serve-token');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const again = await loadOrCreateToken(path);
    assert.deepEqual(again, { token, created: false });
    assert.match(token, /^[0-9a-f]{64}$/);
  });

  test('listening beyond loopback without a token is refused before the port opens', async () => {
    await assert.rejects(
      startServer({ host, staticDir: join(dir, 'web'), address: '0.0.0.0' }),
      /needs an access token/,
    );
  });

  test('loopback: the UI is served with security headers', async () => {
    const page = await get(open.port, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /Edge Capture/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal((await get(open.port, '/assets/app.js')).status, 200);
  });

  test('no token or a wrong one: refused, for pages and for the socket', async () => {
    assert.equal((await get(guarded.port, '/')).status, 401);
    assert.equal((await get(guarded.port, '/', { authorization: `Bearer ${'0'.repeat(64)}` })).status, 401);
    assert.equal((await get(guarded.port, '/?token=nope')).status, 401);
    await assert.rejects(openSocket(guarded.port), /refused 401/);
    await assert.rejects(openSocket(guarded.port, { cookie: 'edge_capture_token=wrong' }), /refused 401/);
  });

  test('the right token: a first visit trades it for an HttpOnly cookie and a clean URL', async () => {
    const first = await get(guarded.port, `/?token=${token}`);
    assert.equal(first.status, 303);
    assert.equal(first.headers.location, '/');
    const cookie = String(first.headers['set-cookie']);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const cookieHeader = cookie.split(';')[0] ?? '';
    assert.equal((await get(guarded.port, '/', { cookie: cookieHeader })).status, 200);
    const { ws } = await openSocket(guarded.port, { cookie: cookieHeader });
    ws.close();
    assert.equal((await get(guarded.port, '/', { authorization: `Bearer ${token}` })).status, 200);
  });

  test('a foreign Host (DNS rebinding) or Origin (another web site) is refused', async () => {
    assert.equal((await get(open.port, '/', { host: `evil.example:${open.port}` })).status, 421);
    assert.equal((await get(open.port, '/', { host: 'localhost:1' })).status, 421);
    assert.equal((await get(open.port, '/', { origin: 'http://evil.example' })).status, 403);
    await assert.rejects(openSocket(open.port, { origin: 'http://evil.example' }), /refused 403/);
    await assert.rejects(openSocket(open.port, { host: `evil.example:${open.port}` }), /refused 421/);
    // The UI's own origin is fine.
    const { ws } = await openSocket(open.port, { origin: `http://127.0.0.1:${open.port}` });
    ws.close();
  });

  test('path traversal and symlinks out of the UI folder are refused', async () => {
    for (const path of [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/assets/../../secret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..\\secret.txt',
      '/assets/leak.txt',
      '/%00/../secret.txt',
    ]) {
      const answer = await get(open.port, path);
      assert.doesNotMatch(answer.body, /TOP SECRET/, path);
    }
  });

  test('malformed and oversized messages get a clear error and the host stays healthy', async () => {
    const { ws, messages } = await openSocket(open.port);
    ws.send(JSON.stringify({ type: 'hello', contractVersion: CONTRACT_VERSION, client: 'security-test' }));
    await until('welcome', () => messages.find((m) => m['type'] === 'welcome'));
    ws.send('{"type":"request","id":1,"method":"queue.counts","params":{"drop":"table"}}');
    ws.send('not json at all');
    ws.send(JSON.stringify({ type: 'request', id: 2, method: 'queue.list', params: { limit: 10 } }));
    ws.send(`"${'x'.repeat(MAX_MESSAGE_CHARS + 10)}"`);
    const bad = await until('error reply', () => messages.find((m) => m['id'] === 1));
    assert.equal((bad['error'] as { code: string }).code, 'invalid_params');
    const good = await until('list reply', () => messages.find((m) => m['id'] === 2));
    assert.equal(good['ok'], true);
    const problems = await until('two problems', () => {
      const found = messages.filter((m) => m['name'] === 'problem');
      return found.length >= 2 ? found : undefined;
    });
    const texts = problems.map((p) => String((p['payload'] as { message: string }).message)).join(' | ');
    assert.match(texts, /not valid JSON/);
    assert.match(texts, /over the/);
    // A frame past the socket's own limit closes that socket only; the server goes on.
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.send('x'.repeat(MAX_MESSAGE_CHARS * 4 + 1));
    assert.equal(await closed, 1009);
    const again = await openSocket(open.port);
    again.ws.send(JSON.stringify({ type: 'hello', contractVersion: CONTRACT_VERSION, client: 'after' }));
    await until('welcome again', () => again.messages.find((m) => m['type'] === 'welcome'));
    again.ws.close();
    assert.equal((await get(open.port, '/')).status, 200);
  });
});
