import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import WebSocket from 'ws';
import { parseListen } from '../main/cli/commands/serve.ts';
import { CONTRACT_VERSION } from '../shared/contract/index.ts';
import { dropFile, makeSite, waitFor } from './support/engine-fixtures.ts';

const CLI = join(import.meta.dirname, '..', 'main', 'cli', 'index.ts');

const site = await makeSite(
  ({ captures, dataDir }) => `
site: serve-site
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    stableWindow: 200ms
rules:
  - name: images
    when: { contentType: image/* }
    action: hold
    reason: Held for review
defaultAction: { action: skip, reason: Not an image }
`,
);
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await site.cleanup();
});

describe('edge-capture serve (browser mode)', () => {
  test('--listen is parsed, and a bad value names the expected form', () => {
    assert.deepEqual(parseListen(undefined), { address: '127.0.0.1', port: 7878 });
    assert.deepEqual(parseListen('0.0.0.0:8080'), { address: '0.0.0.0', port: 8080 });
    assert.deepEqual(parseListen(':9000'), { address: '127.0.0.1', port: 9000 });
    assert.deepEqual(parseListen('[::1]:9001'), { address: '::1', port: 9001 });
    assert.throws(() => parseListen('host:99999'), /ADDRESS\[:PORT\]/);
  });

  test('serves the built UI and the live contract for the running engine', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'serve', '--config', site.configPath, '--listen', '127.0.0.1:0', '--json'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const url = await waitFor(
      () => /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1],
      `the URL in: ${output}`,
      30_000,
    );
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">/);

    const ws = new WebSocket(`${url.replace('http', 'ws')}contract`);
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'hello', contractVersion: CONTRACT_VERSION, client: 'serve-test' }));
    await waitFor(() => messages.find((m) => m['type'] === 'welcome'), 'welcome');

    // A file dropped now reaches the UI as a live event, without asking.
    await dropFile(
      join(site.captures, 'frame.jpg'),
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0, 0, 0, 0, 0xff, 0xd9]),
    );
    await waitFor(
      () =>
        messages.find(
          (m) =>
            m['name'] === 'queue.counts' &&
            ((m['payload'] as { counts: Record<string, number> }).counts['held'] ?? 0) >= 1,
        ),
      'a queue.counts event with the held file',
      30_000,
    );
    ws.send(
      JSON.stringify({
        type: 'request',
        id: 1,
        method: 'queue.list',
        params: { limit: 10, states: ['held'] },
      }),
    );
    const reply = await waitFor(() => messages.find((m) => m['id'] === 1), 'the list reply');
    const items = (reply['result'] as { items: { relPath: string; reason: string }[] }).items;
    assert.equal(items[0]?.relPath, 'frame.jpg');
    assert.equal(items[0]?.reason, 'Held for review');
    ws.close();

    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, output);
  });
});
