import * as v from 'valibot';
import type {
  DesktopApi,
  DesktopConnectOutcome,
  DesktopReply,
  DesktopRequests,
  DesktopRevealOutcome,
} from '../../shared/contract/desktop-api.ts';
import {
  CONTRACT_VERSION,
  contractError,
  decodeHostMessage,
  type EventName,
  isEventName,
  REQUESTS,
  type RequestName,
  type Welcome,
} from '../../shared/contract/index.ts';
import type { ContractPort } from './ports.ts';

/**
 * The preload's logic, without Electron: a contract client over one port to the engine host,
 * presented as typed methods. Parameters are checked against the request's schema before they leave
 * the page; everything from the host is checked by decodeHostMessage before the page sees it.
 */

export interface PreloadOptions {
  /** Asks the main process for a fresh port to the engine host (ipcRenderer in preload.ts). */
  requestPort(): Promise<ContractPort>;
  /** How long the engine may take to answer the handshake (default 15 s). */
  handshakeTimeoutMs?: number;
  clientName?: string;
  /** Asks the main process to show a queued file in the file manager (ipcRenderer.invoke in preload.ts). */
  revealFile?(fileId: number): Promise<DesktopRevealOutcome>;
}

type Pending = { method: RequestName; resolve: (reply: DesktopReply<RequestName>) => void };
type AnyListener = (payload: unknown) => void;

export function createDesktopApi(options: PreloadOptions): DesktopApi {
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 15_000;
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventName, Set<AnyListener>>();
  const disconnectListeners = new Set<(reason: string) => void>();
  let nextId = 1;
  let port: ContractPort | undefined;
  let welcome: Welcome | undefined;
  let connecting: Promise<DesktopConnectOutcome> | undefined;

  const failPending = (message: string) => {
    for (const entry of pending.values())
      entry.resolve({ ok: false, error: contractError('failed', message) });
    pending.clear();
  };

  const dropPort = (reason: string) => {
    if (!port) return;
    port = undefined;
    welcome = undefined;
    failPending('The connection to the engine was lost; the request may not have been carried out.');
    for (const listener of disconnectListeners) listener(reason);
  };

  const receive = (current: ContractPort, data: unknown, onWelcome: (welcome: Welcome) => void) => {
    if (current !== port) return;
    const decoded = decodeHostMessage(data, (id) => pending.get(id)?.method);
    if (!decoded.ok) {
      console.warn(`Edge Capture: ignored a message from the engine: ${decoded.error.message}`);
      return;
    }
    const message = decoded.value;
    if (message.type === 'welcome') onWelcome(message);
    else if (message.type === 'event') {
      for (const listener of listeners.get(message.name) ?? []) listener(message.payload);
    } else {
      const entry = pending.get(message.id);
      if (!entry) return;
      pending.delete(message.id);
      entry.resolve(message.ok ? { ok: true, result: message.result } : { ok: false, error: message.error });
    }
  };

  const connect = (): Promise<DesktopConnectOutcome> => {
    if (port && welcome) return Promise.resolve({ ok: true, welcome });
    if (connecting) return connecting;
    connecting = (async (): Promise<DesktopConnectOutcome> => {
      let current: ContractPort;
      try {
        current = await options.requestPort();
      } catch (error) {
        return { ok: false, reason: `No channel to the engine: ${(error as Error).message}` };
      }
      port = current;
      return new Promise<DesktopConnectOutcome>((resolve) => {
        const timer = setTimeout(() => {
          resolve({ ok: false, reason: 'The engine did not answer the handshake in time.' });
          current.close();
          dropPort('The engine did not answer the handshake in time.');
        }, handshakeTimeoutMs);
        current.onMessage((data) =>
          receive(current, data, (message) => {
            clearTimeout(timer);
            welcome = message;
            resolve({ ok: true, welcome: message });
          }),
        );
        current.onClose(() => {
          clearTimeout(timer);
          resolve({ ok: false, reason: 'The engine closed the connection during the handshake.' });
          if (current === port) dropPort('The engine stopped; the app restarts it.');
        });
        current.send(
          JSON.stringify({
            type: 'hello',
            contractVersion: CONTRACT_VERSION,
            client: options.clientName ?? 'edge-capture-desktop',
          }),
        );
      });
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  const request = (method: RequestName, params: unknown): Promise<DesktopReply<RequestName>> => {
    const checked = v.safeParse(REQUESTS[method].params, params ?? {});
    if (!checked.success) {
      const issue = checked.issues[0]?.message ?? 'does not match the request';
      return Promise.resolve({
        ok: false,
        error: contractError('invalid_params', `Bad parameters for ${method}: ${issue}.`),
      });
    }
    const current = port;
    if (!current || !welcome) {
      return Promise.resolve({
        ok: false,
        error: contractError('not_ready', 'Not connected to the engine.'),
      });
    }
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, { method, resolve });
      current.send(JSON.stringify({ type: 'request', id, method, params: checked.output }));
    });
  };

  // One method per request name, generated from the contract's map: nothing else can be sent.
  const requests = Object.freeze(
    Object.fromEntries(
      (Object.keys(REQUESTS) as RequestName[]).map((method) => [
        method,
        (params: unknown) => request(method, params),
      ]),
    ),
  ) as unknown as DesktopRequests;

  const reveal = options.revealFile;
  const revealFile = reveal
    ? {
        revealFile: async (fileId: number): Promise<DesktopRevealOutcome> => {
          // Checked here too: only a queue id leaves the page, never a path.
          if (typeof fileId !== 'number' || !Number.isSafeInteger(fileId) || fileId < 1) {
            return { ok: false, message: 'fileId must be a queue id (a whole number above 0).' };
          }
          try {
            return await reveal(fileId);
          } catch (error) {
            return { ok: false, message: `The app did not answer: ${(error as Error).message}` };
          }
        },
      }
    : {};

  return Object.freeze({
    contractVersion: CONTRACT_VERSION,
    ...revealFile,
    connect,
    disconnect: () => {
      const current = port;
      dropPort('The UI closed the connection.');
      current?.close();
    },
    requests,
    on: (name, listener) => {
      if (!isEventName(name)) throw new TypeError(`The engine has no event "${String(name)}".`);
      if (typeof listener !== 'function') throw new TypeError('A listener must be a function.');
      let set = listeners.get(name);
      if (!set) {
        set = new Set();
        listeners.set(name, set);
      }
      set.add(listener as AnyListener);
      return () => {
        set.delete(listener as AnyListener);
      };
    },
    onDisconnect: (listener) => {
      if (typeof listener !== 'function') throw new TypeError('A listener must be a function.');
      disconnectListeners.add(listener);
      return () => {
        disconnectListeners.delete(listener);
      };
    },
  } satisfies DesktopApi);
}
