import {
  CONTRACT_VERSION,
  type ContractError,
  decodeHostMessage,
  type EventName,
  type EventPayload,
  type RequestName,
  type RequestParams,
  type RequestResult,
  type Welcome,
} from '../../../shared/contract/index.ts';

/** A duplex text channel to the engine host: a WebSocket in browser mode, a MessagePort in Electron. */
export interface Transport {
  send(text: string): void;
  close(): void;
}

export interface TransportHandlers {
  onOpen(): void;
  onMessage(text: string): void;
  /** `reason` is shown to the operator when the host closed the connection on purpose. */
  onClose(reason?: string): void;
}

export type ConnectTransport = (handlers: TransportHandlers) => Transport;

export type ConnectionState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'connected'; welcome: Welcome }
  | { kind: 'disconnected'; reason: string; retryAt: number }
  | { kind: 'incompatible'; reason: string };

/** A request refused or failed on the engine side, carrying the contract's code and sentence. */
export class EngineRequestError extends Error {
  readonly code: ContractError['code'];
  constructor(error: ContractError) {
    super(error.message);
    this.code = error.code;
  }
}

type Pending = { method: RequestName; resolve: (value: unknown) => void; reject: (error: Error) => void };
type Listener = (payload: never) => void;

const RETRY_MS = [250, 500, 1000, 2000, 5000];

/**
 * The renderer's only way to the engine: typed requests and event subscriptions over the contract,
 * with the version handshake, validation of everything received, and reconnection with catch-up.
 */
export class EngineClient {
  private transport: Transport | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<EventName, Set<Listener>>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private nextId = 1;
  private attempt = 0;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  state: ConnectionState = { kind: 'connecting', attempt: 0 };
  private readonly connectTransport: ConnectTransport;
  private readonly clientName: string;

  constructor(connectTransport: ConnectTransport, clientName = 'edge-capture-ui') {
    this.connectTransport = connectTransport;
    this.clientName = clientName;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.transport?.close();
    this.failPending('The UI closed the connection.');
  }

  request<N extends RequestName>(method: N, params: RequestParams<N>): Promise<RequestResult<N>> {
    if (this.state.kind !== 'connected' || !this.transport) {
      return Promise.reject(
        new EngineRequestError({ code: 'not_ready', message: 'Not connected to the engine.' }),
      );
    }
    const id = this.nextId++;
    const transport = this.transport;
    return new Promise<RequestResult<N>>((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject });
      transport.send(JSON.stringify({ type: 'request', id, method, params }));
    });
  }

  on<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.state);
    return () => this.stateListeners.delete(listener);
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private open(): void {
    this.setState({ kind: 'connecting', attempt: this.attempt });
    this.transport = this.connectTransport({
      onOpen: () =>
        this.transport?.send(
          JSON.stringify({ type: 'hello', contractVersion: CONTRACT_VERSION, client: this.clientName }),
        ),
      onMessage: (text) => this.receive(text),
      onClose: (reason) => this.closed(reason),
    });
  }

  private receive(text: string): void {
    const decoded = decodeHostMessage(text, (id) => this.pending.get(id)?.method);
    if (!decoded.ok) {
      console.warn(`Edge Capture: ignored a message from the engine: ${decoded.error.message}`);
      return;
    }
    const message = decoded.value;
    if (message.type === 'welcome') {
      this.attempt = 0;
      this.setState({ kind: 'connected', welcome: message });
      return;
    }
    if (message.type === 'event') {
      for (const listener of this.listeners.get(message.name) ?? []) listener(message.payload as never);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new EngineRequestError(message.error));
  }

  private closed(reason: string | undefined): void {
    this.transport = undefined;
    this.failPending('The connection to the engine was lost; the request may not have been carried out.');
    if (this.stopped) return;
    if (reason && /contract version/.test(reason)) {
      this.setState({ kind: 'incompatible', reason });
      return;
    }
    const delay = RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)] ?? 5000;
    this.attempt += 1;
    this.setState({
      kind: 'disconnected',
      reason: reason || 'The engine does not answer.',
      retryAt: Date.now() + delay,
    });
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private failPending(message: string): void {
    for (const pending of this.pending.values())
      pending.reject(new EngineRequestError({ code: 'failed', message }));
    this.pending.clear();
  }
}
