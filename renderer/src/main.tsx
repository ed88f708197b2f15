import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App.tsx';
import { EngineClient } from './contract/client.ts';
import { webSocketTransport } from './contract/websocket-transport.ts';
import { EngineContext } from './state/engine-context.ts';
import './styles.css';

const client = new EngineClient(webSocketTransport());
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
