import type { DesktopApi } from '../../shared/contract/desktop-api.ts';
import type { DestinationLink, QueueCounts } from '../../shared/contract/index.ts';
import type { HostState } from './host-supervisor.ts';
import { type DesktopNotice, NoticePolicy, type NoticePolicyOptions } from './notifications.ts';
import { type TrayState, trayState } from './tray-state.ts';

export interface ShellSinks {
  tray(state: TrayState): void;
  notify(notice: DesktopNotice): void;
}

export interface ShellMonitorOptions extends NoticePolicyOptions {
  now?: () => number;
  /** How often notices are looked at and the tray refreshed (default 5 s). */
  tickMs?: number;
  /** Wait before reconnecting after the channel closed (default 1 s). */
  reconnectMs?: number;
}

/**
 * The main process's own view of the engine, for the tray and the notifications: a contract client
 * like the page's (the same typed API, over its own port to the host), following counts,
 * connectivity, problems and quarantines.
 */
export class ShellMonitor {
  private readonly api: DesktopApi;
  private readonly sinks: ShellSinks;
  private readonly now: () => number;
  private readonly tickMs: number;
  private readonly reconnectMs: number;
  private readonly policy: NoticePolicy;
  private counts: Partial<QueueCounts> | undefined;
  private destinations: DestinationLink[] = [];
  private problem: string | undefined;
  private host: HostState = 'starting';
  private timer: ReturnType<typeof setInterval> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private lastTooltip = '';

  constructor(api: DesktopApi, sinks: ShellSinks, options: ShellMonitorOptions = {}) {
    this.api = api;
    this.sinks = sinks;
    this.now = options.now ?? Date.now;
    this.tickMs = options.tickMs ?? 5000;
    this.reconnectMs = options.reconnectMs ?? 1000;
    this.policy = new NoticePolicy(options);
    api.on('queue.counts', ({ counts }) => {
      this.counts = counts;
      this.refresh();
    });
    api.on('queue.changed', ({ changes }) => this.policy.changes(changes));
    api.on('connectivity', ({ destinations }) => {
      this.destinations = destinations;
      this.policy.connectivity(destinations, this.now());
      this.refresh();
    });
    api.on('problem', (problem) => {
      if (problem.kind === 'engine-restarted') return; // said by hostRestarted, from the supervisor
      this.problem = problem.message;
      this.refresh();
    });
    api.onDisconnect(() => this.scheduleConnect());
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    this.api.disconnect();
  }

  /** From the supervisor. */
  hostState(state: HostState): void {
    this.host = state;
    if (state === 'restarting') this.problem = undefined;
    this.refresh();
  }

  hostRestarted(message: string): void {
    this.policy.engineRestarted(message);
    this.tick();
  }

  tick(): void {
    for (const notice of this.policy.tick(this.now())) this.sinks.notify(notice);
    this.refresh(true);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const outcome = await this.api.connect();
    if (!outcome.ok) {
      this.scheduleConnect();
      return;
    }
    const reply = await this.api.requests['queue.counts']({});
    if (reply.ok) {
      this.counts = reply.result.counts;
      this.refresh();
    }
  }

  private scheduleConnect(): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), this.reconnectMs);
  }

  private refresh(force = false): void {
    const state = trayState({
      host: this.host,
      counts: this.counts,
      destinations: this.destinations,
      problem: this.problem,
      now: this.now(),
    });
    if (!force && state.tooltip === this.lastTooltip) return;
    this.lastTooltip = state.tooltip;
    this.sinks.tray(state);
  }
}
