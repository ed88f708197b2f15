import { contextBridge, ipcRenderer } from 'electron';
import { DESKTOP_API_KEY } from '../../shared/contract/desktop-api.ts';
import { IPC } from './channels.ts';
import type { ContractPort } from './ports.ts';
import { createDesktopApi } from './preload-api.ts';

/**
 * The sandboxed preload (bundled into one CommonJS file by build/build-electron.ts, because a
 * sandboxed preload cannot load modules). It exposes typed methods only: see shared/contract/desktop-api.ts.
 */

/** The renderer's MessagePort (DOM), narrowed. `close` is Electron's extension to MessagePort. */
interface DomPortLike {
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: () => void): void;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

function fromDomPort(port: DomPortLike): ContractPort {
  return {
    send: (text) => port.postMessage(text),
    onMessage: (listener) => {
      port.addEventListener('message', (event) => listener(event.data));
      port.start();
    },
    onClose: (listener) => port.addEventListener('close', listener),
    close: () => port.close(),
  };
}

let waiting: ((port: ContractPort) => void) | undefined;
ipcRenderer.on(IPC.port, (event) => {
  const port = event.ports[0] as unknown as DomPortLike | undefined;
  const resolve = waiting;
  waiting = undefined;
  if (!port) return;
  // A port nobody asked for (or a second one) is closed, never used.
  if (!resolve) port.close();
  else resolve(fromDomPort(port));
});

const api = createDesktopApi({
  requestPort: () =>
    new Promise<ContractPort>((resolve, reject) => {
      if (waiting) {
        reject(new Error('a connection is already being set up'));
        return;
      }
      const timer = setTimeout(() => {
        waiting = undefined;
        reject(new Error('the app did not answer'));
      }, 15_000);
      waiting = (port) => {
        clearTimeout(timer);
        resolve(port);
      };
      ipcRenderer.send(IPC.connect);
    }),
  // Only a queue id crosses; the main process checks the sender frame, the id and the path.
  revealFile: (fileId) => ipcRenderer.invoke(IPC.revealFile, fileId),
});

contextBridge.exposeInMainWorld(DESKTOP_API_KEY, api);
