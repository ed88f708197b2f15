import type { ConnectTransport } from './client.ts';

/** Browser mode: the contract over a WebSocket to the page's own origin (`edge-capture serve`). */
export function webSocketTransport(url = defaultContractUrl()): ConnectTransport {
  return (handlers) => {
    const socket = new WebSocket(url);
    socket.addEventListener('open', () => handlers.onOpen());
    socket.addEventListener('message', (event) => {
      if (typeof event.data === 'string') handlers.onMessage(event.data);
    });
    socket.addEventListener('close', (event) => handlers.onClose(event.reason || undefined));
    return {
      send: (text) => socket.send(text),
      close: () => socket.close(1000, 'UI closed'),
    };
  };
}

export function defaultContractUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/contract`;
}
