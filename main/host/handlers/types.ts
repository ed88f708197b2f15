import type { RequestName, RequestParams, RequestResult } from '../../../shared/contract/index.ts';
import type { HostedEngine } from '../hosted-engine.ts';

/** A handler per request: params arrive validated, the result is validated before it is sent. */
export type Handler<N extends RequestName> = (
  engine: HostedEngine,
  params: RequestParams<N>,
) => RequestResult<N> | Promise<RequestResult<N>>;

export type HandlerMap<Names extends RequestName> = { [N in Names]: Handler<N> };

/** Thrown by a handler for a request it understood but cannot carry out; the message goes to the UI. */
export class RequestFailed extends Error {}
