import { commands } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { type ConnectTransport, EngineClient } from '../../../renderer/src/contract/client.ts';
import { webSocketTransport } from '../../../renderer/src/contract/websocket-transport.ts';
import { EngineContext } from '../../../renderer/src/state/engine-context.ts';
import { ReviewView } from '../../../renderer/src/views/ReviewView.tsx';

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

/** The Review view on that engine, in a window 800 px high (as the app lays it out). */
export function renderReview(client: EngineClient) {
  return render(
    <EngineContext.Provider value={client}>
      <div style={{ height: 800, display: 'flex', flexDirection: 'column' }}>
        <ReviewView />
      </div>
    </EngineContext.Provider>,
  );
}
