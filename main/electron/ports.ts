/**
 * One end of a contract channel, whatever the runtime calls it: Electron's MessagePortMain (main and
 * utility process), Node's worker_threads MessagePort (tests), a DOM MessagePort (the preload). Only
 * text crosses it: contract envelopes, validated by whoever receives them.
 */
export interface ContractPort {
  send(text: string): void;
  onMessage(listener: (data: unknown) => void): void;
  /** The other end went away (its process died or it closed the port). */
  onClose(listener: () => void): void;
  close(): void;
}

/** Electron's MessagePortMain, or anything shaped like it (`message` events carry `{ data }`). */
export interface MessagePortMainLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

export function fromMessagePortMain(port: MessagePortMainLike): ContractPort {
  let started = false;
  return {
    send: (text) => port.postMessage(text),
    onMessage: (listener) => {
      port.on('message', (event) => listener(event.data));
      // Messages queue until start(); start once a listener is there to take them.
      if (!started) {
        started = true;
        port.start();
      }
    },
    onClose: (listener) => {
      port.on('close', listener);
    },
    close: () => port.close(),
  };
}

/** Node's worker_threads MessagePort (`message` events carry the value itself). */
export interface NodeMessagePortLike {
  on(event: 'message', listener: (value: unknown) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  close(): void;
}

export function fromNodeMessagePort(port: NodeMessagePortLike): ContractPort {
  return {
    send: (text) => port.postMessage(text),
    onMessage: (listener) => {
      port.on('message', listener);
    },
    onClose: (listener) => {
      port.on('close', listener);
    },
    close: () => port.close(),
  };
}
