import { DESKTOP_API_KEY, type DesktopApi, type DesktopReply } from '../../../shared/contract/desktop-api.ts';
import { EVENTS, type EventName, isRequestName, type RequestName } from '../../../shared/contract/index.ts';
import type { ConnectTransport } from './client.ts';

/** The preload's typed API (`window.edgeCapture`), present only in the Electron app. */
export function desktopApi(): DesktopApi | undefined {
  const api = (window as unknown as Record<string, unknown>)[DESKTOP_API_KEY];
  return api && typeof api === 'object' ? (api as DesktopApi) : undefined;
}

/**
 * Desktop mode: the EngineClient's envelopes mapped onto the preload's typed methods. `hello` becomes
 * connect(), each request becomes the method of the same name, events arrive through on(). The
 * replies are turned back into envelopes, so the EngineClient validates them as it does over a
 * WebSocket (the preload already validated them once).
 */
export function electronTransport(api: DesktopApi): ConnectTransport {
  return (handlers) => {
    let open = true;
    const unsubscribe: (() => void)[] = [];
    const deliver = (message: object) => {
      if (open) handlers.onMessage(JSON.stringify(message));
    };
    const end = (reason?: string) => {
      if (!open) return;
      open = false;
      for (const off of unsubscribe.splice(0)) off();
      handlers.onClose(reason);
    };
    for (const name of Object.keys(EVENTS) as EventName[]) {
      unsubscribe.push(api.on(name, (payload) => deliver({ type: 'event', name, payload })));
    }
    unsubscribe.push(api.onDisconnect((reason) => end(reason)));
    queueMicrotask(() => {
      if (open) handlers.onOpen();
    });
    return {
      send: (text) => {
        const message = JSON.parse(text) as {
          type?: unknown;
          id?: unknown;
          method?: unknown;
          params?: unknown;
        };
        if (message.type === 'hello') {
          void api.connect().then((outcome) => {
            if (outcome.ok) deliver({ ...outcome.welcome, type: 'welcome' });
            else end(outcome.reason);
          });
        } else if (message.type === 'request' && isRequestName(message.method)) {
          const id = message.id;
          const call = api.requests[message.method] as (
            params: unknown,
          ) => Promise<DesktopReply<RequestName>>;
          void call(message.params).then((reply) => deliver({ type: 'reply', id, ...reply }));
        }
      },
      close: () => {
        open = false;
        for (const off of unsubscribe.splice(0)) off();
        api.disconnect();
      },
    };
  };
}
