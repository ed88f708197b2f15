import type { DestinationLink } from '../../shared/contract/index.ts';
import type { DestinationStatus } from '../engine/upload/fan-out.ts';

/** One destination's link as the offline banner and the Queues header show it. */
export function linkOf(status: DestinationStatus): DestinationLink {
  const offline = !status.online;
  const link: DestinationLink = {
    name: status.name,
    state: !offline ? 'online' : status.pausedFor === 'offline' ? 'offline' : 'paused',
    label: status.destination,
    isDefault: status.isDefault,
    isLocalDemo: status.isLocalDemo,
    counts: { ...status.counts } as Record<string, number>,
    inFlight: status.inFlight.length,
    bytesPerSecond: Math.max(0, Math.round(status.bytesPerSecond)),
  };
  const lastSuccessAt = status.link.lastSuccessAt ?? status.lastSuccessAt;
  if (lastSuccessAt !== undefined) link.lastSuccessAt = lastSuccessAt;
  if (offline) {
    const since = status.link.offlineSince ?? status.offlineSince;
    if (since !== undefined) link.since = since;
    if (status.nextProbeAt !== undefined) link.nextProbeAt = status.nextProbeAt;
    const message = status.lastError ?? status.link.lastError;
    if (message !== undefined) link.message = message;
    if (status.pausedFor !== undefined) link.pausedFor = status.pausedFor;
  }
  return link;
}

/** What the links depend on, without the speed (which changes with every piece sent). */
const fingerprint = (links: readonly DestinationLink[]): string =>
  JSON.stringify(links.map(({ bytesPerSecond: _speed, ...rest }) => rest));

export interface LinkFeedOptions {
  statuses: () => DestinationStatus[];
  send: (links: DestinationLink[]) => void;
  /** Changes within this window go out as one event (default 250 ms). */
  coalesceMs?: number;
  /** While a destination is not online, links are looked at this often for probe times (default 1 s). */
  offlineRefreshMs?: number;
}

/**
 * The `connectivity` broadcast: recomputed when the engine says a link changed or the queue moved,
 * at most once per window, and sent only when something an operator sees changed (state, since,
 * last success, next probe, counts). While a destination is offline it is also looked at every
 * second, so the next probe time the banner shows follows the probes.
 */
export class LinkFeed {
  private readonly options: Required<LinkFeedOptions>;
  private timer: NodeJS.Timeout | undefined;
  private refresh: NodeJS.Timeout | undefined;
  private last = '';
  private stopped = false;

  constructor(options: LinkFeedOptions) {
    this.options = { coalesceMs: 250, offlineRefreshMs: 1000, ...options };
    // A destination already offline at start gets its probe times followed from the start.
    this.poke();
  }

  current(): DestinationLink[] {
    return this.options.statuses().map(linkOf);
  }

  /** Something may have changed: look within the coalescing window. */
  poke(): void {
    if (this.stopped) return;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.options.coalesceMs);
  }

  private flush(): void {
    if (this.stopped) return;
    const links = this.current();
    const print = fingerprint(links);
    if (print !== this.last) {
      this.last = print;
      this.options.send(links);
    }
    const anyOffline = links.some((link) => link.state !== 'online');
    if (anyOffline && !this.refresh) {
      this.refresh = setInterval(() => this.poke(), this.options.offlineRefreshMs);
      this.refresh.unref();
    } else if (!anyOffline && this.refresh) {
      clearInterval(this.refresh);
      this.refresh = undefined;
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.refresh);
    this.timer = undefined;
    this.refresh = undefined;
  }
}
