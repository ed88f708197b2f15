/**
 * Pause/resume of all uploads and per-file progress through the engine host: a real engine uploading a
 * large file to a real filesystem share at a capped rate, a UI connection over the contract.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import { type ClientSession, EngineHost } from '../main/host/engine-host.ts';
import { CONTRACT_VERSION } from '../shared/contract/index.ts';
import { dropFile, makeSite, type Site, waitFor } from './support/engine-fixtures.ts';

const MIB = 1024 * 1024;

class Ui {
  readonly received: Record<string, unknown>[] = [];
  session!: ClientSession;
  private nextId = 1;
  send = (text: string) => this.received.push(JSON.parse(text));
  close = () => {};
  async request(method: string, params: unknown = {}) {
    const id = this.nextId++;
    await this.session.receive(JSON.stringify({ type: 'request', id, method, params }));
    return this.received.findLast((m) => m['id'] === id) as { ok: boolean; result: Record<string, unknown> };
  }
  events(name: string) {
    return this.received
      .filter((m) => m['name'] === name)
      .map((m) => m['payload'] as Record<string, unknown>);
  }
}

describe('engine host: operator pause and upload progress', () => {
  let site: Site;
  let engine: CaptureEngine;
  let host: EngineHost;
  let ui: Ui;
  let share: string;

  beforeAll(async () => {
    site = await makeSite(
      ({ captures, dataDir }) => `
site: host-uploads
dataDir: ${dataDir}
folders: [{ id: cam, path: ${captures}, stableWindow: 200ms }]
reconcileInterval: 0
rules: [{ name: all, action: upload }]
destination: { type: filesystem, path: ${join(dataDir, '..', 'share')}, fsync: false }
upload: { bandwidth: 8M }
`,
    );
    share = join(site.root, 'share');
    await mkdir(share);
    engine = new CaptureEngine(await loadConfig(site.configPath));
    await engine.start();
    host = new EngineHost(engine, { engineVersion: 'test' });
    ui = new Ui();
    ui.session = host.open(ui);
    await ui.session.receive(
      JSON.stringify({ type: 'hello', contractVersion: CONTRACT_VERSION, client: 'test' }),
    );
  });
  afterAll(async () => {
    host?.close();
    await engine?.stop();
    await site?.cleanup();
  });

  test('pause from the UI: files wait, every UI hears it; resume: they upload', async () => {
    assert.deepEqual((await ui.request('uploads.state')).result, { paused: null });
    const paused = await ui.request('uploads.pause');
    assert.equal((paused.result['paused'] as { by: string }).by, 'an operator in the UI');
    assert.equal(engine.uploadsPaused()?.by, 'an operator in the UI');
    assert.equal(ui.events('uploads.paused').length, 1, 'the pause is announced once');
    await dropFile(join(site.captures, 'small.txt'), 'wait for me');
    await waitFor(() => engine.queue.counts().queued === 1, 'the file decided and queued');
    assert.equal((await readdir(share)).filter((n) => !n.startsWith('.')).length, 0);

    await ui.request('uploads.resume');
    assert.deepEqual(ui.events('uploads.paused').at(-1), { paused: null });
    await waitFor(() => engine.queue.counts().retained === 1, 'the file uploaded after resume');
  });

  test('a pause made elsewhere (the CLI, another UI) reaches this UI too', async () => {
    engine.pauseUploads('edge-capture pause');
    const last = ui.events('uploads.paused').at(-1) as { paused: { by: string } | null } | undefined;
    assert.equal(last?.paused?.by, 'edge-capture pause');
    engine.resumeUploads('edge-capture resume');
    assert.deepEqual(ui.events('uploads.paused').at(-1), { paused: null });
  });

  test('an upload in flight reports its bytes, rising, then one empty event when it is done', async () => {
    await dropFile(join(site.captures, 'big.bin'), Buffer.alloc(24 * MIB, 7));
    await waitFor(() => engine.queue.counts().retained === 2, 'the big file uploaded', 60_000);
    await waitFor(() => ui.events('upload.progress').at(-1)?.['items'] !== undefined, 'progress events');
    const progress = ui.events('upload.progress') as {
      items: { fileId: number; sentBytes: number; totalBytes: number; destination: string }[];
    }[];
    const sent = progress.flatMap((p) => p.items.map((i) => i.sentBytes));
    assert.ok(
      sent.length >= 3,
      `at least three progress readings at 8 MiB/s for 24 MiB (got ${sent.length})`,
    );
    assert.deepEqual(
      sent,
      [...sent].sort((a, b) => a - b),
      'bytes sent only rise',
    );
    assert.ok(
      sent.some((b) => b > 0 && b < 24 * MIB),
      'a reading part way through',
    );
    const item = progress.find((p) => p.items.length > 0)?.items[0];
    assert.equal(item?.totalBytes, 24 * MIB);
    assert.equal(item?.destination, 'default');
    await waitFor(
      () => (ui.events('upload.progress').at(-1)?.['items'] as unknown[] | undefined)?.length === 0,
      'the closing empty event',
    );
  });
});
