import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, test } from 'vitest';
import { type HostService, restartNotice, startHostService } from '../main/electron/host-service.ts';
import type { DesktopNotice } from '../main/electron/notifications.ts';
import { fromNodeMessagePort } from '../main/electron/ports.ts';
import { createDesktopApi } from '../main/electron/preload-api.ts';
import { ShellMonitor } from '../main/electron/shell-monitor.ts';
import type { TrayState } from '../main/electron/tray-state.ts';
import { EngineClient } from '../renderer/src/contract/client.ts';
import { electronTransport } from '../renderer/src/contract/electron-transport.ts';
import { CONTRACT_VERSION, REQUESTS } from '../shared/contract/index.ts';
import { dropFile, makeSite, type Site, waitFor } from './support/engine-fixtures.ts';

/**
 * The desktop app's path from page to engine, minus Electron: the real engine and EngineHost (what
 * the utility process runs), Node's worker_threads MessageChannel in place of MessageChannelMain, the
 * preload's API (createDesktopApi) and the renderer's EngineClient over the Electron transport.
 */
const CONFIG = ({ captures, dataDir }: { captures: string; dataDir: string }) => `
site: desktop-test
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    stableWindow: 200ms
reconcileInterval: 0
rules:
  - name: set-aside-notes
    when: { extension: txt }
    action: quarantine
    reason: Notes need a privacy review
defaultAction: { action: skip, reason: nothing matched }
`;

const logs: string[] = [];
const log = (level: string, message: string) => logs.push(`${level}: ${message}`);

describe('electron engine host service: page ↔ preload API ↔ port ↔ engine host (no Electron)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(restart?: { count: number; at: number; exitCode: number | null }): Promise<{
    site: Site;
    service: HostService;
    portPair: () => ReturnType<typeof fromNodeMessagePort>;
  }> {
    const site = await makeSite(CONFIG);
    cleanups.push(() => site.cleanup());
    const service = await startHostService({
      site: { kind: 'config', path: site.configPath },
      engineVersion: '0.1.0-desktop-test',
      log,
      ...(restart ? { restart } : {}),
    });
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await service.stop();
      stopped = true;
    });
    const portPair = () => {
      const { port1, port2 } = new MessageChannel();
      service.connect(fromNodeMessagePort(port1));
      return fromNodeMessagePort(port2);
    };
    return { site, service, portPair };
  }

  test('the preload API: one typed method per request, handshake, replies and events from a real engine', async () => {
    const { site, portPair } = await start();
    const api = createDesktopApi({ requestPort: async () => portPair() });
    cleanups.push(async () => api.disconnect());
    // Nothing generic: exactly the contract's request names, frozen.
    assert.deepEqual(Object.keys(api.requests).sort(), Object.keys(REQUESTS).sort());
    assert.equal(Object.isFrozen(api), true);
    assert.equal(Object.isFrozen(api.requests), true);
    assert.equal('send' in api || 'invoke' in api, false);
    assert.throws(() => api.on('shell.exec' as never, () => undefined), /no event "shell.exec"/);

    const before = await api.requests['queue.counts']({});
    assert.equal(before.ok, false);
    assert.equal(before.ok ? '' : before.error.code, 'not_ready');

    const outcome = await api.connect();
    assert.ok(outcome.ok);
    assert.equal(outcome.welcome.contractVersion, CONTRACT_VERSION);
    assert.equal(outcome.welcome.engineVersion, '0.1.0-desktop-test');

    const changes: string[] = [];
    api.on('queue.changed', ({ changes: list }) => {
      for (const change of list) if (change.to) changes.push(`${change.relPath}:${change.to}`);
    });
    await dropFile(join(site.captures, 'note.txt'), 'call me at 555-0100');
    await waitFor(() => changes.includes('note.txt:quarantined'), 'note.txt to be quarantined');
    const counts = await api.requests['queue.counts']({});
    assert.ok(counts.ok);
    assert.equal(counts.result.counts.quarantined, 1);

    // Checked in the preload before anything is sent.
    const bad = await api.requests['queue.list']({ limit: 0 } as never);
    assert.equal(bad.ok ? '' : bad.error.code, 'invalid_params');
    const extra = await api.requests['queue.counts']({ evil: true } as never);
    assert.equal(extra.ok ? '' : extra.error.code, 'invalid_params');
  });

  test("the renderer's EngineClient works over the Electron transport", async () => {
    const { site, portPair } = await start();
    const api = createDesktopApi({ requestPort: async () => portPair() });
    const client = new EngineClient(electronTransport(api), 'desktop-test');
    cleanups.push(async () => client.stop());
    client.start();
    await waitFor(() => client.state.kind === 'connected', 'the client to connect');
    const counted: number[] = [];
    client.on('queue.counts', ({ counts }) => counted.push(counts.quarantined ?? 0));
    await dropFile(join(site.captures, 'a.txt'), 'x');
    await waitFor(() => counted.includes(1), 'a counts event with the quarantined file');
    const list = await client.request('queue.list', { limit: 10, states: ['quarantined'] });
    assert.equal(list.items[0]?.relPath, 'a.txt');
    await assert.rejects(client.request('queue.item', { id: 0 } as never), /Bad parameters for queue.item/);
  });

  test('a restarted host tells every UI that connects, after the welcome', async () => {
    const restart = { count: 2, at: Date.now() - 1000, exitCode: null };
    const { portPair } = await start(restart);
    const api = createDesktopApi({ requestPort: async () => portPair() });
    cleanups.push(async () => api.disconnect());
    const problems: { kind: string; message: string }[] = [];
    api.on('problem', (problem) => problems.push(problem));
    assert.ok((await api.connect()).ok);
    await waitFor(() => problems.length > 0, 'the restart notice');
    assert.equal(problems[0]?.kind, 'engine-restarted');
    assert.equal(problems[0]?.message, restartNotice(restart));
    assert.match(problems[0]?.message ?? '', /was killed and was restarted; this has happened 2 times/);
  });

  test('when the host goes away the page hears it, requests are refused until it connects again', async () => {
    const { service, portPair } = await start();
    const ports: ReturnType<typeof fromNodeMessagePort>[] = [];
    const api = createDesktopApi({
      requestPort: async () => {
        const port = portPair();
        ports.push(port);
        return port;
      },
    });
    cleanups.push(async () => api.disconnect());
    const reasons: string[] = [];
    api.onDisconnect((reason) => reasons.push(reason));
    assert.ok((await api.connect()).ok);
    ports[0]?.close(); // what the main process sees when a utility process dies: the port's other end is gone
    await waitFor(() => reasons.length === 1, 'the disconnect');
    assert.match(reasons[0] ?? '', /restarts it/);
    const during = await api.requests['queue.counts']({});
    assert.equal(during.ok ? '' : during.error.code, 'not_ready');
    assert.ok((await api.connect()).ok, 'a new port, a new handshake');
    assert.ok((await api.requests['queue.counts']({})).ok);
    assert.equal(service.engine.queue.counts().quarantined, 0);
  });

  test('the shell monitor turns engine news into the tray state and a quarantine notification', async () => {
    const { site, portPair } = await start();
    const trays: TrayState[] = [];
    const notices: DesktopNotice[] = [];
    const monitor = new ShellMonitor(
      createDesktopApi({ clientName: 'shell-test', requestPort: async () => portPair() }),
      { tray: (state) => trays.push(state), notify: (notice) => notices.push(notice) },
      { tickMs: 100, quarantineEveryMs: 0 },
    );
    cleanups.push(async () => monitor.stop());
    monitor.start();
    monitor.hostState('running');
    await waitFor(
      () => trays.some((tray) => tray.icon === 'idle' && /All caught up/.test(tray.tooltip)),
      'idle',
    );
    await dropFile(join(site.captures, 'secret.txt'), 'x');
    await waitFor(() => notices.length > 0, 'a notification');
    assert.equal(notices[0]?.kind, 'quarantined');
    assert.match(notices[0]?.body ?? '', /^secret\.txt: set aside/);
    await waitFor(() => trays.at(-1)?.icon === 'attention', 'the tray to ask for attention');
    assert.match(trays.at(-1)?.tooltip ?? '', /1 file\(s\) need attention/);
    monitor.hostState('restarting');
    assert.equal(trays.at(-1)?.icon, 'attention');
    assert.match(trays.at(-1)?.tooltip ?? '', /restarting/);
  });

  test('stop ends the sessions and the engine', async () => {
    const { service, portPair } = await start();
    const api = createDesktopApi({ requestPort: async () => portPair() });
    const reasons: string[] = [];
    api.onDisconnect((reason) => reasons.push(reason));
    assert.ok((await api.connect()).ok);
    await service.stop();
    await waitFor(() => reasons.length === 1, 'the page to hear the engine stopped');
  });
});
