import type { Welcome } from './envelope.ts';
import type { ContractError } from './errors.ts';
import type { EventName, EventPayload } from './events.ts';
import type { RequestName, RequestParams, RequestResult } from './requests.ts';

/**
 * What the Electron preload exposes to the page as `window.edgeCapture`: one typed method per
 * request of the contract, subscriptions limited to the contract's events, and connect/disconnect.
 * No generic send or invoke: the page cannot name a channel, only a request the contract defines.
 * Replies are plain data (errors do not keep their class across the context bridge).
 */
export const DESKTOP_API_KEY = 'edgeCapture';

export type DesktopReply<N extends RequestName> =
  | { ok: true; result: RequestResult<N> }
  | { ok: false; error: ContractError };

/** What "Open containing folder" answers: done (the real path shown), or one sentence why not. */
export type DesktopRevealOutcome = { ok: true; path: string } | { ok: false; message: string };

export type DesktopConnectOutcome = { ok: true; welcome: Welcome } | { ok: false; reason: string };

export type DesktopRequests = {
  readonly [N in RequestName]: (params: RequestParams<N>) => Promise<DesktopReply<N>>;
};

export interface DesktopApi {
  readonly contractVersion: number;
  /** Asks the main process for a channel to the engine host and does the version handshake. */
  connect(): Promise<DesktopConnectOutcome>;
  disconnect(): void;
  readonly requests: DesktopRequests;
  on<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void;
  /** The channel to the engine closed (the engine host died or is being restarted). */
  onDisconnect(listener: (reason: string) => void): () => void;
  /**
   * Shows a queued file in the OS file manager ("Open containing folder"). The main process looks the
   * id up in the engine and checks the path itself; the page gives the id only. Absent outside the
   * desktop window (the tray's own client has no use for it).
   */
  revealFile?(fileId: number): Promise<DesktopRevealOutcome>;
}
