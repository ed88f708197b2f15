import { EventEmitter } from 'node:events';
import {
  type AnswerMessage,
  CallChannel,
  CallFailed,
  type CallHandlers,
  type CallMessage,
  type CallParams,
  type HOST_CALLS,
  type HostCallResults,
  isCallTraffic,
  MAIN_CALLS,
  type MainCallResults,
  type MainSideChannel,
} from './parent-calls.ts';

/** Messages from the main process to the engine host process (calls: see parent-calls.ts). */
export type ToHost =
  | { type: 'connect'; client: 'renderer' | 'shell' }
  | { type: 'stop' }
  | CallMessage
  | AnswerMessage;
/** Messages from the engine host process to the main process. */
export type FromHost =
  | { type: 'ready'; engineVersion: string }
  | { type: 'stopped'; clean: boolean; detail: string }
  | { type: 'fatal'; message: string };

export function isFromHost(value: unknown): value is FromHost {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'ready' || type === 'stopped' || type === 'fatal';
}

/** Why a host process was started again, passed to it so the UI can say so. */
export interface RestartInfo {
  count: number;
  at: number;
  exitCode: number | null;
  /** The host's last words (a `fatal` message), when it said any. */
  reason?: string;
}

/** A running engine host process: Electron's UtilityProcess, or a Node child in tests. */
export interface HostProcess<Port> {
  readonly pid: number | undefined;
  post(message: ToHost, port?: Port): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

/** Starts host processes. The Electron implementation forks a utilityProcess (electron-launcher.ts). */
export interface ProcessLauncher<Port> {
  launch(restart: RestartInfo | undefined): HostProcess<Port>;
}

export type HostState = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';

export interface SupervisorOptions {
  /** First restart delay; doubles with each crash in a row (default 1 s). */
  backoffBaseMs?: number;
  /** Longest restart delay (default 30 s). */
  backoffMaxMs?: number;
  /** A host that ran this long before dying starts the backoff over (default 60 s). */
  stableAfterMs?: number;
  now?: () => number;
  /** What the main process answers when the host calls it (the credential sealer). */
  mainCalls?: CallHandlers<typeof MAIN_CALLS, MainCallResults>;
}

export interface SupervisorEvents<Port> {
  state: [HostState];
  ready: [{ engineVersion: string }];
  /** The host died on its own; a restart follows after `restartInMs`. */
  exited: [{ exitCode: number | null; restartInMs: number; reason?: string }];
  restarted: [RestartInfo];
  /** A port could not be handed over (no host and stopping); its other end is closed. */
  dropped: [Port];
}

/**
 * Keeps one engine host process alive: starts it, hands it the ports of new connections, restarts it
 * with exponential backoff when it dies on its own, and stops it cleanly (asks, waits, then kills).
 */
export class HostSupervisor<Port> extends EventEmitter<SupervisorEvents<Port>> {
  private readonly launcher: ProcessLauncher<Port>;
  private readonly closePort: (port: Port) => void;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly stableAfterMs: number;
  private readonly now: () => number;
  private readonly mainCalls: CallHandlers<typeof MAIN_CALLS, MainCallResults>;
  private child: HostProcess<Port> | undefined;
  private calls: MainSideChannel | undefined;
  private childStartedAt = 0;
  private crashesInARow = 0;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private lastFatal: string | undefined;
  private waiting: { port: Port; client: 'renderer' | 'shell' }[] = [];
  private exitWaiters: ((code: number | null) => void)[] = [];
  state: HostState = 'stopped';
  restarts = 0;

  constructor(
    launcher: ProcessLauncher<Port>,
    closePort: (port: Port) => void,
    options: SupervisorOptions = {},
  ) {
    super();
    this.launcher = launcher;
    this.closePort = closePort;
    this.backoffBaseMs = options.backoffBaseMs ?? 1000;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.stableAfterMs = options.stableAfterMs ?? 60_000;
    this.now = options.now ?? Date.now;
    const none = async () => {
      throw new Error('This app keeps no sealer for the engine.');
    };
    this.mainCalls = options.mainCalls ?? { 'secret.seal': none, 'secret.unseal': none };
  }

  /**
   * Asks the current host process something (parent-calls.ts). Fails with a sentence when no host is
   * up (restarting, stopping) or it died before answering; never waits for a restart.
   */
  call<M extends keyof typeof HOST_CALLS & string>(
    method: M,
    params: CallParams<typeof HOST_CALLS, M>,
    timeoutMs: number,
  ): Promise<HostCallResults[M]> {
    if (!this.calls || this.state === 'stopping') {
      const why = this.state === 'restarting' ? 'it is being restarted' : `it is ${this.state}`;
      return Promise.reject(
        new CallFailed(`The engine is not running (${why}); try again in a moment.`, 'closed'),
      );
    }
    return this.calls.call(method, params, timeoutMs);
  }

  start(): void {
    if (this.state !== 'stopped') return;
    this.launch(undefined);
  }

  /** Hands one end of a new connection to the host; held until a host is up if it is restarting. */
  connect(port: Port, client: 'renderer' | 'shell'): void {
    if (this.state === 'stopping' || this.state === 'stopped') {
      this.closePort(port);
      this.emit('dropped', port);
      return;
    }
    if (!this.child) {
      this.waiting.push({ port, client });
      return;
    }
    this.child.post({ type: 'connect', client }, port);
  }

  /** Delay before the next restart after `crashesInARow` crashes in a row (1 s, 2 s, 4 s, … 30 s). */
  backoffMs(crashesInARow: number): number {
    return Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.max(0, crashesInARow - 1));
  }

  /**
   * Asks the host to stop (it lets in-flight work finish or records where it stopped) and waits up to
   * `graceMs`; kills it after that. Resolves true when the host exited on its own.
   */
  async stop(graceMs = 30_000): Promise<boolean> {
    clearTimeout(this.restartTimer);
    for (const { port } of this.waiting.splice(0)) this.closePort(port);
    const child = this.child;
    if (!child) {
      this.setState('stopped');
      return true;
    }
    this.setState('stopping');
    const exited = new Promise<number | null>((resolve) => this.exitWaiters.push(resolve));
    child.post({ type: 'stop' });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const outcome = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (outcome !== 'timeout') return true;
    child.kill();
    await exited;
    return false;
  }

  private launch(restart: RestartInfo | undefined): void {
    this.setState(restart ? 'restarting' : 'starting');
    this.lastFatal = undefined;
    const child = this.launcher.launch(restart);
    this.child = child;
    this.childStartedAt = this.now();
    const calls: MainSideChannel = new CallChannel(
      (message) => child.post(message),
      MAIN_CALLS,
      this.mainCalls,
    );
    this.calls = calls;
    child.onMessage((message) => {
      if (isCallTraffic(message)) {
        if (child === this.child) calls.receive(message);
        return;
      }
      if (child !== this.child || !isFromHost(message)) return;
      if (message.type === 'ready') {
        this.setState('running');
        this.emit('ready', { engineVersion: message.engineVersion });
      } else if (message.type === 'fatal') {
        this.lastFatal = message.message;
      }
    });
    child.onExit((code) => this.exited(child, code));
    for (const { port, client } of this.waiting.splice(0)) child.post({ type: 'connect', client }, port);
    if (restart) this.emit('restarted', restart);
  }

  private exited(child: HostProcess<Port>, exitCode: number | null): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.calls?.close('The engine stopped before it answered.');
    this.calls = undefined;
    for (const resolve of this.exitWaiters.splice(0)) resolve(exitCode);
    if (this.state === 'stopping' || this.state === 'stopped') {
      this.setState('stopped');
      return;
    }
    const ranMs = this.now() - this.childStartedAt;
    this.crashesInARow = ranMs >= this.stableAfterMs ? 1 : this.crashesInARow + 1;
    const delay = this.backoffMs(this.crashesInARow);
    const reason = this.lastFatal;
    this.restarts += 1;
    const info: RestartInfo = { count: this.restarts, at: 0, exitCode, ...(reason ? { reason } : {}) };
    this.setState('restarting');
    this.emit('exited', { exitCode, restartInMs: delay, ...(reason ? { reason } : {}) });
    this.restartTimer = setTimeout(() => this.launch({ ...info, at: this.now() }), delay);
  }

  private setState(state: HostState): void {
    if (state === this.state) return;
    this.state = state;
    this.emit('state', state);
  }
}
