import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import vm from 'node:vm';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { buildPreload } from '../main/electron/build-preload.ts';
import { IPC } from '../main/electron/channels.ts';
import { type HostService, startHostService } from '../main/electron/host-service.ts';
import { fromNodeMessagePort } from '../main/electron/ports.ts';
import type { DesktopApi } from '../shared/contract/desktop-api.ts';
import { REQUESTS } from '../shared/contract/index.ts';
import { makeSite, type Site } from './support/engine-fixtures.ts';

/**
 * The preload exactly as the app ships it (dist/electron/preload.cjs, bundled by build-preload.ts),
 * run in a bare V8 context like a sandboxed preload: no Node globals, a `require` that knows only
 * "electron". That "electron" is a FAKE for the Electron binary (contextBridge + ipcRenderer); the
 * port it hands over is a real MessagePort whose other end is served by the real engine host.
 */
describe('electron preload bundle: self-contained, typed API only', () => {
  let code: string;
  let site: Site;
  let service: HostService;

  beforeAll(async () => {
    code = await readFile(await buildPreload(), 'utf8');
    site = await makeSite(
      ({ captures, dataDir }) => `
site: preload-test
dataDir: ${dataDir}
folders: [{ id: cam, path: ${captures} }]
reconcileInterval: 0
defaultAction: { action: skip, reason: nothing matched }
`,
    );
    service = await startHostService({
      site: { kind: 'config', path: site.configPath },
      engineVersion: '0.1.0-preload-test',
      log: () => undefined,
    });
  });
  afterAll(async () => {
    await service?.stop();
    await site?.cleanup();
  });

  function loadPreload() {
    const exposed = new Map<string, unknown>();
    const listeners = new Map<string, (event: { ports: MessagePort[] }) => void>();
    const sent: string[] = [];
    const invoked: unknown[][] = [];
    const fakeElectron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
      ipcRenderer: {
        on: (channel: string, listener: (event: { ports: MessagePort[] }) => void) =>
          listeners.set(channel, listener),
        // What main.ts does on IPC.connect (after its sender check): a port pair, one end to the host.
        send: (channel: string) => {
          sent.push(channel);
          const { port1, port2 } = new MessageChannel();
          service.connect(fromNodeMessagePort(port1));
          listeners.get(IPC.port)?.({ ports: [port2] });
        },
        // What main.ts's IPC.revealFile handler answers (its logic: tests/electron-reveal-file.test.ts).
        invoke: async (...args: unknown[]) => {
          invoked.push(args);
          return { ok: false, message: 'The queue has no file 7.' };
        },
      },
    };
    const required: string[] = [];
    const context = vm.createContext({
      require: (name: string) => {
        required.push(name);
        if (name === 'electron') return fakeElectron;
        throw new Error(`a sandboxed preload cannot require "${name}"`);
      },
      exports: {},
      module: { exports: {} },
      console,
      setTimeout,
      clearTimeout,
      queueMicrotask,
    });
    vm.runInContext(code, context, { filename: 'preload.cjs' });
    return { exposed, listeners, sent, invoked, required };
  }

  test('the bundle needs nothing but require("electron") and no Node globals', () => {
    const requires = [...code.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((match) => match[1]);
    assert.deepEqual([...new Set(requires)], ['electron']);
    assert.doesNotMatch(code, /\bprocess\.|\bBuffer\b|import\s*\(/);
    const { required, exposed } = loadPreload();
    assert.deepEqual(required, ['electron']);
    assert.deepEqual([...exposed.keys()], ['edgeCapture']);
  });

  test('the exposed API: typed request methods and event subscriptions, talking to the real host', async () => {
    const { exposed, sent } = loadPreload();
    const api = exposed.get('edgeCapture') as DesktopApi;
    assert.deepEqual(Object.keys(api).sort(), [
      'connect',
      'contractVersion',
      'disconnect',
      'on',
      'onDisconnect',
      'requests',
      'revealFile',
    ]);
    assert.deepEqual(Object.keys(api.requests).sort(), Object.keys(REQUESTS).sort());
    const outcome = await api.connect();
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal(outcome.welcome.engineVersion, '0.1.0-preload-test');
    assert.deepEqual(sent, [IPC.connect]);
    const counts = await api.requests['queue.counts']({});
    assert.ok(counts.ok);
    assert.throws(() => api.on('anything' as never, () => undefined), /no event/);
    api.disconnect();
  });

  test('revealFile sends a queue id on its own channel, and nothing for anything else', async () => {
    const { exposed, invoked } = loadPreload();
    const api = exposed.get('edgeCapture') as DesktopApi;
    assert.ok(api.revealFile);
    assert.deepEqual(await api.revealFile(7), { ok: false, message: 'The queue has no file 7.' });
    for (const bad of ['/etc/passwd', 0, -1, 1.5, Number.NaN] as never[]) {
      const outcome = await api.revealFile(bad);
      assert.equal(outcome.ok, false);
      assert.match(outcome.ok ? '' : outcome.message, /fileId must be a queue id/);
    }
    assert.deepEqual(invoked, [[IPC.revealFile, 7]]);
  });

  test('a port nobody asked for is closed, not used', async () => {
    const { listeners } = loadPreload();
    const { port1, port2 } = new MessageChannel();
    const closed = new Promise<void>((resolve) => port1.once('close', () => resolve()));
    listeners.get(IPC.port)?.({ ports: [port2] });
    await closed;
  });
});
