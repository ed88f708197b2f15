import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { createAppProtocolHandler, resolveAppUrl } from '../main/electron/app-protocol.ts';
import { CONTENT_SECURITY_POLICY } from '../main/electron/window-options.ts';

// The app:// handler is plain Node (WHATWG Request/Response), so these run it for real on real files;
// only `protocol.handle` (Electron) is not involved.
describe('electron app:// protocol: serves dist/renderer and nothing else', () => {
  let base: string;
  let root: string;
  const refused: string[] = [];
  let handler: (request: Request) => Promise<Response>;
  const get = (url: string, method = 'GET') => handler(new Request(url, { method }));

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'edge-app-protocol-'));
    root = join(base, 'renderer');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>Edge Capture</title>');
    await writeFile(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
    await writeFile(join(root, 'assets', 'index-abc.css'), 'body{}');
    await writeFile(join(base, 'secret.txt'), 'outside the renderer');
    await mkdir(join(base, 'elsewhere'));
    await writeFile(join(base, 'elsewhere', 'x.js'), 'outside too');
    await symlink(join(base, 'secret.txt'), join(root, 'assets', 'link-out.txt'));
    await symlink(join(base, 'elsewhere'), join(root, 'linked-dir'));
    await symlink(join(root, 'assets', 'index-abc.js'), join(root, 'alias.js'));
    handler = createAppProtocolHandler(root, (url, why) => refused.push(`${url} ${why}`));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  test('the entry page and assets, with their MIME type and the CSP on every answer', async () => {
    const page = await get('app://edge-capture/');
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(page.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await page.text(), /Edge Capture/);
    const script = await get('app://edge-capture/assets/index-abc.js');
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(await script.text(), 'console.log(1)');
    assert.equal(
      (await get('app://edge-capture/assets/index-abc.css')).headers.get('content-type'),
      'text/css; charset=utf-8',
    );
    const missing = await get('app://edge-capture/nope.js');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  });

  test('path traversal is refused however it is spelled', async () => {
    // The URL parser folds plain `..` at the root, so these land inside the root and simply do not exist.
    assert.equal((await get('app://edge-capture/../secret.txt')).status, 404);
    assert.equal((await get('app://edge-capture/assets/../../secret.txt')).status, 404);
    // `%2e%2e` is folded by the parser too; an encoded slash survives it and is caught after decoding.
    for (const url of [
      'app://edge-capture/%2e%2e/secret.txt',
      'app://edge-capture/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://edge-capture/..%2fsecret.txt',
      'app://edge-capture/assets/..%2f..%2fsecret.txt',
    ]) {
      const resolved = await resolveAppUrl(root, url);
      assert.equal(resolved.ok, false, url);
      const response = await get(url);
      assert.ok(response.status === 403 || response.status === 404, `${url}: ${response.status}`);
      assert.notEqual(await response.text(), 'outside the renderer');
    }
    assert.equal((await get('app://edge-capture/assets/..%2f..%2fsecret.txt')).status, 403);
    assert.equal((await get('app://edge-capture/assets%5c..%5c..%5csecret.txt')).status, 400);
    assert.equal((await get('app://edge-capture/index.html%00.js')).status, 400);
    assert.equal((await get('app://edge-capture/%E0%A4%A')).status, 400);
  });

  test('links leading out of the renderer folder are refused; links inside it are served', async () => {
    assert.equal((await get('app://edge-capture/assets/link-out.txt')).status, 403);
    assert.equal((await get('app://edge-capture/linked-dir/x.js')).status, 403);
    const alias = await get('app://edge-capture/alias.js');
    assert.equal(alias.status, 200);
    assert.equal(await alias.text(), 'console.log(1)');
    assert.ok(refused.some((line) => /link leading outside/.test(line)));
  });

  test('other hosts, folders and methods are refused', async () => {
    assert.equal((await get('app://evil.example/index.html')).status, 403);
    assert.equal((await get('app://edge-capture/assets')).status, 404);
    assert.equal((await get('app://edge-capture/index.html', 'POST')).status, 405);
    const head = await get('app://edge-capture/index.html', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });
});
