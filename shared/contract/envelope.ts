import * as v from 'valibot';
import { type ContractError, contractError, isContractErrorCode } from './errors.ts';
import { EVENTS, type EventName, type EventPayload, isEventName } from './events.ts';
import {
  isRequestName,
  REQUESTS,
  type RequestName,
  type RequestParams,
  type RequestResult,
} from './requests.ts';
import { accepted, type Checked, refused } from './result.ts';

/**
 * The wire format shared by both transports. A client says `hello` first; the host answers `welcome`
 * (or a version_mismatch error and closes). Requests carry an id that their reply repeats.
 */
export const CONTRACT_VERSION = 1;
/** Messages longer than this (in characters) are refused before they are parsed. */
export const MAX_MESSAGE_CHARS = 1_000_000;

const requestId = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Number.MAX_SAFE_INTEGER));

const helloSchema = v.strictObject({
  type: v.literal('hello'),
  contractVersion: v.pipe(v.number(), v.integer()),
  client: v.pipe(v.string(), v.maxLength(200)),
});
const requestEnvelopeSchema = v.strictObject({
  type: v.literal('request'),
  id: requestId,
  method: v.string(),
  params: v.unknown(),
});
const welcomeSchema = v.object({
  type: v.literal('welcome'),
  contractVersion: v.pipe(v.number(), v.integer()),
  engineVersion: v.string(),
  lastSeq: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
const replyEnvelopeSchema = v.variant('ok', [
  v.object({ type: v.literal('reply'), id: requestId, ok: v.literal(true), result: v.unknown() }),
  v.object({
    type: v.literal('reply'),
    id: requestId,
    ok: v.literal(false),
    error: v.object({ code: v.string(), message: v.string() }),
  }),
]);
const eventEnvelopeSchema = v.object({ type: v.literal('event'), name: v.string(), payload: v.unknown() });

export type Hello = v.InferOutput<typeof helloSchema>;
export type Welcome = v.InferOutput<typeof welcomeSchema>;
export type AnyRequest = {
  [N in RequestName]: { id: number; method: N; params: RequestParams<N> };
}[RequestName];
export type AnyEvent = { [N in EventName]: { name: N; payload: EventPayload<N> } }[EventName];
export type ClientMessage = ({ type: 'hello' } & Hello) | ({ type: 'request' } & AnyRequest);
export type Reply<N extends RequestName = RequestName> =
  | { id: number; ok: true; result: RequestResult<N> }
  | { id: number; ok: false; error: ContractError };
export type HostMessage =
  | ({ type: 'welcome' } & Welcome)
  | ({ type: 'reply' } & Reply)
  | ({ type: 'event' } & AnyEvent);

/** A refused client message, with the request id when one could be read (so the error can be answered). */
export type ClientRefusal = ContractError & { requestId?: number };

function issuesText(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path?.map((item) => String(item.key)).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

function parseJson(text: unknown): Checked<unknown> {
  if (typeof text !== 'string') return refused(contractError('malformed', 'A message must be JSON text.'));
  if (text.length > MAX_MESSAGE_CHARS) {
    return refused(
      contractError(
        'too_large',
        `A message of ${text.length} characters is over the ${MAX_MESSAGE_CHARS} limit.`,
      ),
    );
  }
  try {
    return accepted(JSON.parse(text));
  } catch {
    return refused(contractError('malformed', 'A message was not valid JSON.'));
  }
}

/** Host side: reads one message from a UI. Never throws; a refusal says what was wrong. */
export function decodeClientMessage(
  text: unknown,
): { ok: true; value: ClientMessage } | { ok: false; error: ClientRefusal } {
  const json = parseJson(text);
  if (!json.ok) return json;
  const type = (json.value as { type?: unknown } | null)?.type;
  if (type === 'hello') {
    const hello = v.safeParse(helloSchema, json.value);
    if (!hello.success) return refused(contractError('malformed', `Bad hello: ${issuesText(hello.issues)}.`));
    return accepted(hello.output);
  }
  const envelope = v.safeParse(requestEnvelopeSchema, json.value);
  if (!envelope.success) {
    return refused(contractError('malformed', `Not a hello or a request: ${issuesText(envelope.issues)}.`));
  }
  const { id, method, params } = envelope.output;
  if (!isRequestName(method)) {
    return {
      ok: false,
      error: { ...contractError('unknown_method', `The engine has no request "${method}".`), requestId: id },
    };
  }
  const checked = v.safeParse(REQUESTS[method].params, params ?? {});
  if (!checked.success) {
    return {
      ok: false,
      error: {
        ...contractError('invalid_params', `Bad parameters for ${method}: ${issuesText(checked.issues)}.`),
        requestId: id,
      },
    };
  }
  return accepted({ type: 'request', id, method, params: checked.output } as ClientMessage);
}

/** Host side: the reply to send, with the engine's result checked against the request's schema. */
export function encodeReply<N extends RequestName>(method: N, id: number, result: RequestResult<N>): string {
  const checked = v.safeParse(REQUESTS[method].result, result);
  if (!checked.success) {
    return encodeError(
      id,
      contractError(
        'invalid_result',
        `The engine's reply to ${method} was malformed: ${issuesText(checked.issues)}.`,
      ),
    );
  }
  return JSON.stringify({ type: 'reply', id, ok: true, result: checked.output });
}

export function encodeError(id: number, error: ContractError): string {
  return JSON.stringify({
    type: 'reply',
    id,
    ok: false,
    error: { code: error.code, message: error.message },
  });
}

export function encodeEvent<N extends EventName>(name: N, payload: EventPayload<N>): string {
  return JSON.stringify({ type: 'event', name, payload });
}

export function encodeWelcome(welcome: Omit<Welcome, 'type'>): string {
  return JSON.stringify({ type: 'welcome', ...welcome });
}

/** Host side: does this hello speak our version? The error says which side to update. */
export function checkHello(hello: Hello, engineVersion: string): Checked<Hello> {
  if (hello.contractVersion === CONTRACT_VERSION) return accepted(hello);
  const older =
    hello.contractVersion < CONTRACT_VERSION
      ? 'the UI is older than the engine'
      : 'the engine is older than the UI';
  return refused(
    contractError(
      'version_mismatch',
      `The UI speaks contract version ${hello.contractVersion} and engine ${engineVersion} speaks ${CONTRACT_VERSION}: ${older}. Install the same Edge Capture version on both.`,
    ),
  );
}

/**
 * UI side: reads one message from the host. `methodOf` names the request a reply id belongs to, so the
 * result is checked against that request's schema.
 */
export function decodeHostMessage(
  text: unknown,
  methodOf: (id: number) => RequestName | undefined,
): Checked<HostMessage> {
  const json = parseJson(text);
  if (!json.ok) return json;
  const type = (json.value as { type?: unknown } | null)?.type;
  if (type === 'welcome') {
    const welcome = v.safeParse(welcomeSchema, json.value);
    if (!welcome.success)
      return refused(contractError('malformed', `Bad welcome: ${issuesText(welcome.issues)}.`));
    return accepted(welcome.output);
  }
  if (type === 'event') {
    const event = v.safeParse(eventEnvelopeSchema, json.value);
    if (!event.success || !isEventName(event.output.name)) {
      return refused(contractError('invalid_event', 'The engine sent an event this UI does not know.'));
    }
    const payload = v.safeParse(EVENTS[event.output.name], event.output.payload);
    if (!payload.success) {
      return refused(
        contractError('invalid_event', `Bad ${event.output.name} event: ${issuesText(payload.issues)}.`),
      );
    }
    return accepted({ type: 'event', name: event.output.name, payload: payload.output } as HostMessage);
  }
  const reply = v.safeParse(replyEnvelopeSchema, json.value);
  if (!reply.success)
    return refused(contractError('malformed', `Not a welcome, reply or event: ${issuesText(reply.issues)}.`));
  const message = reply.output;
  if (!message.ok) {
    const code = isContractErrorCode(message.error.code) ? message.error.code : 'failed';
    return accepted({
      type: 'reply',
      id: message.id,
      ok: false,
      error: contractError(code, message.error.message),
    });
  }
  const method = methodOf(message.id);
  if (!method)
    return refused(contractError('malformed', `A reply to request ${message.id}, which was never sent.`));
  const result = v.safeParse(REQUESTS[method].result, message.result);
  if (!result.success) {
    return accepted({
      type: 'reply',
      id: message.id,
      ok: false,
      error: contractError(
        'invalid_result',
        `The engine's reply to ${method} was malformed: ${issuesText(result.issues)}.`,
      ),
    });
  }
  return accepted({ type: 'reply', id: message.id, ok: true, result: result.output } as HostMessage);
}
