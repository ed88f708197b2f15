import { commands } from 'vitest/browser';
import { type ConnectTransport, EngineClient } from '../../../renderer/src/contract/client.ts';
import { webSocketTransport } from '../../../renderer/src/contract/websocket-transport.ts';

/**
 * A fresh engine host with `items` predicted captures, a reviewer named kim, an empty review outbox
 * (IndexedDB) and a started client; `wrap` can slow the link. Stop it with `client.stop()` and
 * `commands.stopEngine()`.
 */
export async function freshReviewEngine(
  items: number,
  name: string,
  wrap: (connect: ConnectTransport) => ConnectTransport = (connect) => connect,
): Promise<{ client: EngineClient; ids: number[] }> {
  await new Promise((resolve) => {
    const gone = indexedDB.deleteDatabase('edge-capture-review');
    gone.onsuccess = gone.onerror = gone.onblocked = resolve;
  });
  localStorage.setItem('edge-capture.reviewer', 'kim');
  const { url } = await commands.startEngine(location.origin);
  const ids = await commands.addReviewItems(items);
  const client = new EngineClient(wrap(webSocketTransport(url)), name);
  client.start();
  return { client, ids };
}
