import { type MediaForwardErrorCode, parseMediaPath } from '../../shared/contract/media.ts';
import { type MediaAnswer, type MediaQuery, mediaTextAnswer } from '../serve/media-route.ts';
import { CallFailed, MEDIA_FORWARD_MAX_BYTES } from './parent-calls.ts';

/**
 * `app://edge-capture/media/…` in the desktop app: the page's `<img>` and `fetch` for pictures and
 * text previews. The main process has no engine, so it forwards the request to the engine host
 * process over its parent port (`media.get`, parent-calls.ts); the host answers with browser mode's
 * own code (answerMedia in main/serve/media-route.ts): same ids, statuses, ETags, caching headers
 * and one-sentence refusals. The bytes come back in the answer (structured clone), bounded by
 * MEDIA_FORWARD_MAX_BYTES; a few requests at a time, the rest wait their turn.
 */

/** Asks the engine host (HostSupervisor.call('media.get', …) in main.ts). */
export type AskHostForMedia = (query: MediaQuery, timeoutMs: number) => Promise<MediaAnswer>;

export interface MediaForwardOptions {
  /** How long the host may take (a first thumbnail decodes the picture); default 30 s. */
  timeoutMs?: number;
  /** Requests forwarded at once (default 4); more wait in line. */
  concurrency?: number;
  /** Requests allowed to wait (default 500); more are answered 503 at once. */
  maxWaiting?: number;
  maxBytes?: number;
}

/** Headers the host's answer may carry to the page; anything else it sent is dropped. */
const PASSED_HEADERS = [
  'Content-Type',
  'Content-Length',
  'ETag',
  'Cache-Control',
  'Content-Disposition',
  'Cross-Origin-Resource-Policy',
  'X-Content-Type-Options',
  'X-Media-Error',
] as const;

export type MediaForwarder = (request: Request) => Promise<Response>;

/** `securityHeaders` go on every answer (the app:// handler's CSP and friends); the media's own caching wins. */
export function createMediaForwarder(
  ask: AskHostForMedia,
  securityHeaders: Readonly<Record<string, string>>,
  options: MediaForwardOptions = {},
): MediaForwarder {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxBytes ?? MEDIA_FORWARD_MAX_BYTES;
  const gate = new Gate(options.concurrency ?? 4, options.maxWaiting ?? 500);
  const respond = (answer: MediaAnswer) => toResponse(answer, securityHeaders);

  return async (request) => {
    const asked = parseMediaPath(new URL(request.url).pathname);
    if (!asked) return respond(mediaTextAnswer(404, 'Not found.'));
    const query: MediaQuery = {
      ...asked,
      head: request.method === 'HEAD',
      ifNoneMatch: request.headers.get('If-None-Match') ?? undefined,
    };
    if (!gate.enter()) {
      return respond(
        unavailable(503, 'engine_unavailable', 'Too many pictures asked for at once; try again.'),
      );
    }
    try {
      await gate.turn();
      const answer = checkAnswer(await ask(query, timeoutMs), maxBytes);
      return respond(answer);
    } catch (error) {
      return respond(failed(error));
    } finally {
      gate.leave();
    }
  };
}

function unavailable(status: 503 | 504, code: MediaForwardErrorCode, message: string): MediaAnswer {
  return mediaTextAnswer(status, message, code);
}

function failed(error: unknown): MediaAnswer {
  if (error instanceof CallFailed) {
    if (error.reason === 'timeout') {
      return unavailable(
        504,
        'engine_timeout',
        `The engine did not send the picture in time. ${error.message}`,
      );
    }
    if (error.reason === 'closed') return unavailable(503, 'engine_unavailable', error.message);
    return mediaTextAnswer(500, `The engine could not serve it: ${error.message}`);
  }
  return mediaTextAnswer(500, `The picture could not be served: ${(error as Error).message}`);
}

/** The host is our own process, but what it sends is still checked before it reaches the page. */
function checkAnswer(answer: MediaAnswer, maxBytes: number): MediaAnswer {
  const status = answer?.status;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    return mediaTextAnswer(500, 'The engine sent an answer that is not one.');
  }
  const body = answer.body;
  if (body !== undefined && !(body instanceof Uint8Array)) {
    return mediaTextAnswer(500, 'The engine sent an answer that is not one.');
  }
  if (body && body.byteLength > maxBytes) {
    return mediaTextAnswer(
      413,
      `The picture is ${body.byteLength.toLocaleString('en')} bytes, over the ${maxBytes.toLocaleString('en')}-byte limit for display.`,
      'too_large',
    );
  }
  const headers: Record<string, string> = {};
  for (const name of PASSED_HEADERS) {
    const value = answer.headers?.[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return { status, headers, ...(body ? { body } : {}) };
}

function toResponse(answer: MediaAnswer, securityHeaders: Readonly<Record<string, string>>): Response {
  const noBody = answer.status === 304 || answer.status === 204;
  return new Response(noBody ? null : (answer.body ?? null), {
    status: answer.status,
    headers: { ...securityHeaders, ...answer.headers },
  });
}

/** At most `width` at once, at most `maxWaiting` in line. */
class Gate {
  private running = 0;
  private inLine = 0;
  private readonly queue: (() => void)[] = [];
  private readonly width: number;
  private readonly maxWaiting: number;
  constructor(width: number, maxWaiting: number) {
    this.width = width;
    this.maxWaiting = maxWaiting;
  }
  /** False when the line is full (answer at once). */
  enter(): boolean {
    if (this.running + this.inLine >= this.width + this.maxWaiting) return false;
    this.inLine += 1;
    return true;
  }
  async turn(): Promise<void> {
    if (this.running < this.width) this.running += 1;
    // A slot is handed over by leave() as it is: `running` already counts it.
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    this.inLine -= 1;
  }
  leave(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.running -= 1;
  }
}
