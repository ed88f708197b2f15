import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App.tsx';
import { EngineClient } from './contract/client.ts';
import { desktopApi, electronTransport } from './contract/electron-transport.ts';
import { webSocketTransport } from './contract/websocket-transport.ts';
import { EngineContext } from './state/engine-context.ts';
import './styles.css';
import './views.css';

// The Electron app's preload exposes a typed API; a browser talks to `edge-capture serve` over a WebSocket.
const desktop = desktopApi();
const client = new EngineClient(desktop ? electronTransport(desktop) : webSocketTransport());
client.start();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <EngineContext.Provider value={client}>
        <App />
      </EngineContext.Provider>
    </StrictMode>,
  );
}
