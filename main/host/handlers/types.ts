import type {
  EventName,
  EventPayload,
  RequestName,
  RequestParams,
  RequestResult,
} from '../../../shared/contract/index.ts';
import type { LinkFeed } from '../destination-links.ts';
import type { HostedEngine } from '../hosted-engine.ts';
import type { SiteControl } from '../site-control.ts';
import type { ThroughputSeries } from '../throughput.ts';

/** What handlers may use besides the engine: the site's config and rules, the rate series, events. */
export interface HostContext {
  /** Absent when the hosted engine has no config (a bare queue in tests). */
  site: SiteControl | undefined;
  throughput: ThroughputSeries;
  /** Each destination's link and counts; absent when the engine has no uploaders (a bare queue). */
  links: LinkFeed | undefined;
  broadcast<N extends EventName>(name: N, payload: EventPayload<N>): void;
}

/** A handler per request: params arrive validated, the result is validated before it is sent. */
export type Handler<N extends RequestName> = (
  engine: HostedEngine,
  params: RequestParams<N>,
  host: HostContext,
) => RequestResult<N> | Promise<RequestResult<N>>;

export type HandlerMap<Names extends RequestName> = { [N in Names]: Handler<N> };

/** Thrown by a handler for a request it understood but cannot carry out; the message goes to the UI. */
export class RequestFailed extends Error {}

/** The site control, or a failure the UI can show when this engine has none. */
export function siteOf(host: HostContext): SiteControl {
  if (!host.site)
    throw new RequestFailed('This engine was started without a site config, so it has no rules to show.');
  return host.site;
}
