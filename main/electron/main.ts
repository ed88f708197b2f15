import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  shell as electronShell,
  type IpcMainEvent,
  ipcMain,
  Menu,
  MessageChannelMain,
  type MessagePortMain,
  Notification,
  nativeImage,
  protocol,
  safeStorage,
  session,
  Tray,
} from 'electron';
import { packageVersion } from '../cli/version.ts';
import { createAppProtocolHandler, SECURITY_HEADERS } from './app-protocol.ts';
import { IPC } from './channels.ts';
import { safeStorageCalls, sealingOffer } from './credentials/safe-storage-sealer.ts';
import { utilityProcessLauncher } from './electron-launcher.ts';
import type { HostSite } from './host-service.ts';
import { restartNotice } from './host-service.ts';
import { HostSupervisor } from './host-supervisor.ts';
import { fromTrustedSender } from './ipc-sender.ts';
import { createMediaForwarder } from './media-forward.ts';
import { guardContents, guardSession } from './navigation-guard.ts';
import { fromMessagePortMain } from './ports.ts';
import { createDesktopApi } from './preload-api.ts';
import { revealFileHandler } from './reveal-file.ts';
import { ShellMonitor } from './shell-monitor.ts';
import { trayIconPng } from './tray-icons.ts';
import { APP_ENTRY_URL, APP_SCHEME, PRIVILEGED_SCHEMES, windowOptions } from './window-options.ts';

/**
 * The desktop shell's wiring, and nothing else: every decision lives in a small module tested in Node
 * (window-options, app-protocol, navigation-guard, ipc-sender, host-supervisor, host-service,
 * preload-api, tray-state, notifications, media-forward, reveal-file, credentials/safe-storage-sealer).
 * This file was type-checked, never run here:
 * the Electron runtime cannot be downloaded in this environment (README: desktop app).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RENDERER_DIR = join(ROOT, 'dist', 'renderer');
const PRELOAD = join(ROOT, 'dist', 'electron', 'preload.cjs');
const HOST_ENTRY = fileURLToPath(new URL('./host-entry.ts', import.meta.url));
const log = (message: string) => console.log(`[edge-capture] ${message}`);

// Before `ready`: app:// is standard + secure (a real origin with IndexedDB), and every renderer is sandboxed.
protocol.registerSchemesAsPrivileged(PRIVILEGED_SCHEMES);
app.enableSandbox();

function siteFromArgs(): HostSite {
  const index = process.argv.indexOf('--config');
  const path = (index > 0 ? process.argv[index + 1] : undefined) ?? process.env.EDGE_CAPTURE_CONFIG;
  return path ? { kind: 'config', path } : { kind: 'demo', dataDir: join(app.getPath('userData'), 'demo') };
}

let window: BrowserWindow | undefined;

function showWindow(): void {
  if (window && !window.isDestroyed()) {
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
    return;
  }
  window = new BrowserWindow(windowOptions(PRELOAD));
  window.once('ready-to-show', () => window?.show());
  void window.loadURL(APP_ENTRY_URL);
}

async function start(): Promise<void> {
  guardSession(session.defaultSession, (refusal) => log(`refused ${refusal.what}: ${refusal.detail}`));
  app.on('web-contents-created', (_event, contents) =>
    guardContents(contents, (refusal) => log(`refused ${refusal.what}: ${refusal.detail}`)),
  );

  // S3 keys typed in the app are sealed by safeStorage here, on the engine host's request.
  const sealing = sealingOffer(safeStorage);
  if (!sealing.sealed)
    log(`S3 keys set in the app will be kept unencrypted in an owner-only file: ${sealing.why}`);
  const site = siteFromArgs();
  if (site.kind === 'demo') log(`DEMO MODE: simulated sensor, data in ${site.dataDir}`);

  const supervisor = new HostSupervisor<MessagePortMain>(
    utilityProcessLauncher({
      entry: HOST_ENTRY,
      args: { site, engineVersion: await packageVersion(), sealing },
      env: () => ({}),
    }),
    (port) => port.close(),
    { mainCalls: safeStorageCalls(safeStorage) },
  );

  // app://edge-capture/media/… (pictures, text previews) is answered by the engine host.
  protocol.handle(
    APP_SCHEME,
    createAppProtocolHandler(
      RENDERER_DIR,
      (url, why) => log(`refused ${url}: ${why}`),
      createMediaForwarder(
        (query, timeoutMs) => supervisor.call('media.get', query, timeoutMs),
        SECURITY_HEADERS,
      ),
    ),
  );

  // "Open containing folder": a queue id from our own window; the path is looked up and checked here.
  ipcMain.handle(
    IPC.revealFile,
    revealFileHandler(
      {
        locate: (fileId) => supervisor.call('file.location', { fileId }, 10_000),
        showItemInFolder: (path) => electronShell.showItemInFolder(path),
      },
      (channel, url) => log(`ignored IPC ${channel} from ${url}`),
      IPC.revealFile,
    ),
  );

  // The page's preload asks for a channel; the main process makes the pair and hands out both ends.
  ipcMain.on(
    IPC.connect,
    fromTrustedSender(
      IPC.connect,
      (event: IpcMainEvent) => {
        const { port1, port2 } = new MessageChannelMain();
        supervisor.connect(port1, 'renderer');
        event.senderFrame?.postMessage(IPC.port, null, [port2]);
      },
      (channel, url) => log(`ignored IPC ${channel} from ${url}`),
    ),
  );

  const tray = new Tray(nativeImage.createFromBuffer(trayIconPng('idle')));
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Show Edge Capture', click: showWindow },
      { type: 'separator' },
      { label: 'Quit', click: () => app.quit() },
    ]),
  );
  tray.on('click', showWindow);
  const shell = new ShellMonitor(
    createDesktopApi({
      clientName: 'edge-capture-shell',
      requestPort: async () => {
        const { port1, port2 } = new MessageChannelMain();
        supervisor.connect(port1, 'shell');
        return fromMessagePortMain(port2);
      },
    }),
    {
      tray: (state) => {
        tray.setImage(nativeImage.createFromBuffer(trayIconPng(state.icon)));
        tray.setToolTip(state.tooltip);
      },
      notify: (notice) => {
        if (Notification.isSupported()) new Notification({ title: notice.title, body: notice.body }).show();
      },
    },
  );
  supervisor.on('state', (state) => shell.hostState(state));
  supervisor.on('exited', ({ exitCode, restartInMs, reason }) =>
    log(`engine host exited (code ${exitCode}${reason ? `: ${reason}` : ''}); restart in ${restartInMs} ms`),
  );
  supervisor.on('restarted', (info) => shell.hostRestarted(restartNotice(info)));
  supervisor.start();
  shell.start();

  // Clean shutdown: the engine host is asked to stop and given time to finish in-flight parts.
  let stopped = false;
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    shell.stop();
    tray.setToolTip('Edge Capture\nStopping: letting uploads in progress finish');
    void supervisor.stop(30_000).then((clean) => {
      log(clean ? 'engine host stopped' : 'engine host did not stop in 30 s and was killed');
      stopped = true;
      app.quit();
    });
  });
  showWindow();
}

if (!app.requestSingleInstanceLock()) {
  // Another Edge Capture owns this user's engine: it shows its window (second-instance) and we leave.
  app.quit();
} else {
  app.on('second-instance', showWindow);
  // The engine keeps running in the tray when the window is closed; Quit is in the tray menu.
  app.on('window-all-closed', () => undefined);
  app.whenReady().then(start, (error: unknown) => {
    log(`could not start: ${(error as Error).message}`);
    app.exit(1);
  });
}
