import * as v from 'valibot';
import type { MediaAnswer } from '../serve/media-route.ts';

/**
 * Requests between the main process and the engine host over the utility process's parent port.
 * Not the contract: the page never sees these, they only serve what the main process must do itself
 * (answer `app://…/media/`, reveal a file, use safeStorage, which exists only in the main process).
 * Each side checks what it receives; an unknown method, bad params or a handler's failure comes back
 * as one sentence.
 */

/**
 * Largest picture the desktop app forwards from the engine host to the page (the same limit browser
 * mode's MediaLibrary has by default): bigger captures answer 413 `too_large` with a sentence.
 */
export const MEDIA_FORWARD_MAX_BYTES = 64 * 1024 * 1024;

const fileId = v.pipe(v.number(), v.safeInteger(), v.minValue(1));

/** Main → engine host. */
export const HOST_CALLS = {
  /** A `/media/…` request from the page, answered as browser mode answers it. */
  'media.get': v.strictObject({
    kind: v.picklist(['thumb', 'image', 'text']),
    fileId,
    head: v.boolean(),
    ifNoneMatch: v.optional(v.pipe(v.string(), v.maxLength(200))),
  }),
  /** Where a queued file is, and the folders it may be in (for "Open containing folder"). */
  'file.location': v.strictObject({ fileId }),
} as const;

/** Engine host → main: the credential store's sealer (Electron's safeStorage lives in main only). */
export const MAIN_CALLS = {
  'secret.seal': v.strictObject({ plain: v.pipe(v.string(), v.maxLength(1024 * 1024)) }),
  'secret.unseal': v.strictObject({ sealed: v.pipe(v.string(), v.maxLength(2 * 1024 * 1024)) }),
} as const;

/** A queued file's location as the host knows it; the main process checks it on disk itself. */
export type FileLocation =
  | { found: false }
  | {
      found: true;
      relPath: string;
      /** Where its bytes are now; absent when the local copy was removed after upload. */
      path?: string;
      /** The capture folder (or the archive folder) it must be inside; absent when not watched now. */
      within?: string;
      objectKey?: string;
    };

export interface HostCallResults {
  'media.get': MediaAnswer;
  'file.location': FileLocation;
}
export interface MainCallResults {
  'secret.seal': { sealed: string };
  'secret.unseal': { plain: string };
}

type Schemas = Record<string, v.GenericSchema>;
export type CallParams<S extends Schemas, M extends keyof S> = v.InferOutput<S[M]>;
export type CallHandlers<S extends Schemas, R extends Record<keyof S, unknown>> = {
  [M in keyof S]: (params: CallParams<S, M>) => Promise<R[M]>;
};

export type CallMessage = { type: 'call'; id: number; method: string; params: unknown };
export type AnswerMessage =
  | { type: 'answer'; id: number; ok: true; result: unknown }
  | { type: 'answer'; id: number; ok: false; message: string };

/** A call that could not be made or answered; the message is for the operator. */
export class CallFailed extends Error {
  readonly reason: 'refused' | 'timeout' | 'closed';
  constructor(message: string, reason: 'refused' | 'timeout' | 'closed') {
    super(message);
    this.reason = reason;
  }
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: CallFailed): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One side of the channel: answers the calls in `mine` with `handlers`, and makes calls in
 * `theirs`. Messages go out through `post`; feed every message received to `receive`.
 */
export class CallChannel<
  Mine extends Schemas,
  MineResults extends Record<keyof Mine, unknown>,
  Theirs extends Schemas,
  TheirResults extends Record<keyof Theirs, unknown>,
> {
  private readonly post: (message: CallMessage | AnswerMessage) => void;
  private readonly mine: Mine;
  private readonly handlers: CallHandlers<Mine, MineResults>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closedBecause: string | undefined;

  constructor(
    post: (message: CallMessage | AnswerMessage) => void,
    mine: Mine,
    handlers: CallHandlers<Mine, MineResults>,
  ) {
    this.post = post;
    this.mine = mine;
    this.handlers = handlers;
  }

  /** How many calls wait for an answer. */
  get waiting(): number {
    return this.pending.size;
  }

  call<M extends keyof Theirs & string>(
    method: M,
    params: CallParams<Theirs, M>,
    timeoutMs: number,
  ): Promise<TheirResults[M]> {
    if (this.closedBecause) return Promise.reject(new CallFailed(this.closedBecause, 'closed'));
    const id = this.nextId++;
    return new Promise<TheirResults[M]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CallFailed(`No answer to ${method} in ${Math.round(timeoutMs / 1000)} s.`, 'timeout'));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject, timer });
      this.post({ type: 'call', id, method, params });
    });
  }

  /** Handles a call or an answer; false when the message is neither (the caller's own messages). */
  receive(message: unknown): boolean {
    const m = message as {
      type?: unknown;
      id?: unknown;
      method?: unknown;
      params?: unknown;
      ok?: unknown;
      result?: unknown;
      message?: unknown;
    } | null;
    if (m?.type === 'answer' && typeof m.id === 'number') {
      const entry = this.pending.get(m.id);
      if (!entry) return true;
      this.pending.delete(m.id);
      clearTimeout(entry.timer);
      if (m.ok === true) entry.resolve(m.result);
      else entry.reject(new CallFailed(String(m.message ?? 'refused without a reason'), 'refused'));
      return true;
    }
    if (m?.type === 'call' && typeof m.id === 'number') {
      void this.answer(m.id, m.method, m.params);
      return true;
    }
    return false;
  }

  /** The other side is gone: every waiting call fails with `why`, and so does every later one. */
  close(why: string): void {
    this.closedBecause = why;
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      this.pending.delete(id);
      entry.reject(new CallFailed(why, 'closed'));
    }
  }

  private async answer(id: number, method: unknown, params: unknown): Promise<void> {
    const refuse = (message: string) => this.post({ type: 'answer', id, ok: false, message });
    if (typeof method !== 'string' || !Object.hasOwn(this.mine, method)) {
      refuse(`There is no call "${String(method)}".`);
      return;
    }
    const checked = v.safeParse(this.mine[method]!, params);
    if (!checked.success) {
      const issue = checked.issues[0];
      const field = issue?.path?.map((p) => String(p.key)).join('.') || 'params';
      refuse(`Bad parameters for ${method}: ${field}: ${issue?.message ?? 'does not match'}.`);
      return;
    }
    try {
      const handler = this.handlers[method as keyof Mine]!;
      const result = await handler(checked.output as CallParams<Mine, keyof Mine>);
      this.post({ type: 'answer', id, ok: true, result });
    } catch (error) {
      refuse((error as Error).message || `${method} failed.`);
    }
  }
}

/** The engine host's side. */
export type HostSideChannel = CallChannel<
  typeof HOST_CALLS,
  HostCallResults,
  typeof MAIN_CALLS,
  MainCallResults
>;
/** The main process's side, one per engine host process. */
export type MainSideChannel = CallChannel<
  typeof MAIN_CALLS,
  MainCallResults,
  typeof HOST_CALLS,
  HostCallResults
>;

export function isCallTraffic(message: unknown): boolean {
  const type = (message as { type?: unknown } | null)?.type;
  return type === 'call' || type === 'answer';
}
