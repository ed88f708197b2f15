import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ConnectionState, EngineClient } from '../contract/client.ts';

export const EngineContext = createContext<EngineClient | undefined>(undefined);

export function useEngine(): EngineClient {
  const client = useContext(EngineContext);
  if (!client) throw new Error('useEngine() outside <EngineContext.Provider>');
  return client;
}

export function useConnection(): ConnectionState {
  const client = useEngine();
  return useSyncExternalStore(
    (notify) => client.onState(notify),
    () => client.state,
  );
}
