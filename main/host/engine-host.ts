import {
  type AnyRequest,
  checkHello,
  contractError,
  decodeClientMessage,
  type EventName,
  type EventPayload,
  encodeError,
  encodeEvent,
  encodeReply,
  encodeWelcome,
  type RequestName,
} from '../../shared/contract/index.ts';
import type { ResolvedConfig } from '../engine/config/types.ts';
import type { QueueChange } from '../engine/queue/types.ts';
import { ChangeCoalescer } from './coalescer.ts';
import { LinkFeed } from './destination-links.ts';
import { activityHandlers } from './handlers/activity.ts';
import { catalogHandlers } from './handlers/catalog.ts';
import { credentialsHandlers } from './handlers/credentials.ts';
import { fileHandlers } from './handlers/files.ts';
import { queueHandlers, toChangeMessage } from './handlers/queue.ts';
import { forwardReviewEvents, reviewHandlers } from './handlers/review.ts';
import { rulesHandlers } from './handlers/rules.ts';
import { settingsHandlers } from './handlers/settings.ts';
import { siteEditHandlers } from './handlers/site-edits.ts';
import { type Handler, type HandlerMap, type HostContext, RequestFailed } from './handlers/types.ts';
import { uploadsHandlers } from './handlers/uploads.ts';
import { type HostedEngine, statusEvents } from './hosted-engine.ts';
import { SiteControl } from './site-control.ts';
import { ThroughputSeries } from './throughput.ts';
import { ProgressFeed } from './upload-progress.ts';

/** One connected UI, whatever carries its messages (a MessagePort, a WebSocket, a test). */
export interface HostConnection {
  send(text: string): void;
  close(code: number, reason: string): void;
}

export interface ClientSession {
  /** Hand every message received from the UI to this. */
  receive(text: unknown): Promise<void>;
  /** Call when the transport closed. */
  closed(): void;
}

export interface EngineHostOptions {
  engineVersion: string;
  /** How often coalesced queue events go out at most (default 100 ms: ≤ 10 updates a second). */
  flushIntervalMs?: number;
  /** Called with what went wrong when a handler throws unexpectedly (logged by the caller). */
  onHandlerError?: (method: RequestName, error: unknown) => void;
  /** How often the throughput event goes out at most while uploads happen (default 2 s). */
  throughputIntervalMs?: number;
}

const HANDLERS: HandlerMap<RequestName> = {
  ...queueHandlers,
  ...reviewHandlers,
  ...fileHandlers,
  ...rulesHandlers,
  ...activityHandlers,
  ...catalogHandlers,
  ...settingsHandlers,
  ...siteEditHandlers,
  ...uploadsHandlers,
  ...credentialsHandlers,
};

/** Close codes (WebSocket-compatible) the host uses when it ends a session. */
export const CLOSE = { versionMismatch: 4001, malformedHandshake: 4002 } as const;

/**
 * Serves the contract for one engine to any number of UIs. Both transports sit on this, so
 * validation, dispatch and event coalescing are written once.
 */
export class EngineHost {
  private readonly engine: HostedEngine;
  private readonly options: Required<Omit<EngineHostOptions, 'onHandlerError'>> & EngineHostOptions;
  private readonly sessions = new Set<HostConnection>();
  private readonly coalescer: ChangeCoalescer;
  private readonly context: HostContext;
  private readonly stopReviewEvents: () => void;
  private throughputTimer: NodeJS.Timeout | undefined;
  private readonly status: ReturnType<typeof statusEvents>;
  private readonly progress: ProgressFeed | undefined;
  /** The operator pause last announced, so a pause from the CLI reaches open UIs too. */
  private announcedPause: string | undefined;
  private readonly onStatus = () => {
    this.context.links?.poke();
    this.progress?.poke();
    this.announcePause();
  };
  private readonly onChange = (changes: QueueChange[]) => {
    this.coalescer.add(changes);
    this.progress?.poke();
    // Uploads move delivery counts: the connectivity event carries them (coalesced, only on change).
    this.context.links?.poke();
    if (this.context.throughput.record(changes)) {
      this.throughputTimer ??= setTimeout(() => {
        this.throughputTimer = undefined;
        this.broadcast('throughput', this.context.throughput.snapshot());
      }, this.options.throughputIntervalMs);
    }
  };

  constructor(engine: HostedEngine, options: EngineHostOptions) {
    this.engine = engine;
    this.options = { flushIntervalMs: 100, throughputIntervalMs: 2000, ...options };
    const { config, applyRules, reconfigure } = engine;
    this.context = {
      site:
        config && applyRules
          ? new SiteControl({
              config,
              applyRules: (rules) => applyRules.call(engine, rules),
              reconfigure: reconfigure && ((next) => reconfigure.call(engine, next)),
            })
          : undefined,
      throughput: new ThroughputSeries(engine.queue),
      links: engine.destinationStatuses
        ? new LinkFeed({
            statuses: () => engine.destinationStatuses?.() ?? [],
            send: (destinations) => this.broadcast('connectivity', { destinations }),
          })
        : undefined,
      broadcast: (name, payload) => this.broadcast(name, payload),
    };
    const { destinationStatuses } = engine;
    this.progress = destinationStatuses
      ? new ProgressFeed(
          () => destinationStatuses.call(engine),
          (progress) => this.broadcast('upload.progress', progress),
        )
      : undefined;
    this.announcedPause = JSON.stringify(engine.uploadsPaused?.() ?? null);
    this.status = statusEvents(engine);
    this.status?.on(this.onStatus);
    this.coalescer = new ChangeCoalescer(this.options.flushIntervalMs, (changes, lastSeq) => {
      this.broadcast('queue.changed', { changes: changes.map(toChangeMessage), lastSeq });
      this.broadcast('queue.counts', { counts: this.engine.queue.counts() });
    });
    engine.on('change', this.onChange);
    this.stopReviewEvents = forwardReviewEvents(engine, (name, payload) => this.broadcast(name, payload));
  }

  open(connection: HostConnection): ClientSession {
    let greeted = false;
    return {
      receive: async (text) => {
        const decoded = decodeClientMessage(text);
        if (!decoded.ok) {
          const { requestId, ...error } = decoded.error;
          if (requestId !== undefined) connection.send(encodeError(requestId, error));
          else if (!greeted) connection.close(CLOSE.malformedHandshake, error.message.slice(0, 120));
          else
            connection.send(
              JSON.stringify({ type: 'event', name: 'problem', payload: problemFrom(error.message) }),
            );
          return;
        }
        const message = decoded.value;
        if (message.type === 'hello') {
          const checked = checkHello(message, this.options.engineVersion);
          if (!checked.ok) {
            connection.close(CLOSE.versionMismatch, checked.error.message.slice(0, 120));
            return;
          }
          greeted = true;
          this.sessions.add(connection);
          connection.send(
            encodeWelcome({
              contractVersion: message.contractVersion,
              engineVersion: this.options.engineVersion,
              lastSeq: this.engine.queue.lastSeq(),
            }),
          );
          return;
        }
        if (!greeted) {
          connection.send(
            encodeError(message.id, contractError('not_ready', 'Say hello (the version handshake) first.')),
          );
          return;
        }
        connection.send(await this.answer(message));
      },
      closed: () => {
        this.sessions.delete(connection);
      },
    };
  }

  private async answer(request: AnyRequest): Promise<string> {
    const handler = HANDLERS[request.method] as Handler<typeof request.method>;
    try {
      const result = await handler(this.engine, request.params as never, this.context);
      return encodeReply(request.method, request.id, result as never);
    } catch (error) {
      if (error instanceof RequestFailed)
        return encodeError(request.id, contractError('failed', error.message));
      this.options.onHandlerError?.(request.method, error);
      return encodeError(
        request.id,
        contractError(
          'failed',
          `The engine could not carry out ${request.method}; the engine log has the details.`,
        ),
      );
    }
  }

  private announcePause(): void {
    const pause = this.engine.uploadsPaused?.();
    const now = JSON.stringify(pause ?? null);
    if (now === this.announcedPause) return;
    this.announcedPause = now;
    this.broadcast('uploads.paused', { paused: pause ? { at: pause.at, by: pause.by } : null });
  }

  broadcast<N extends EventName>(name: N, payload: EventPayload<N>): void {
    const text = encodeEvent(name, payload);
    for (const connection of this.sessions) connection.send(text);
  }

  /**
   * A new config from outside the UI (the site file re-read on SIGHUP): applied in turn with UI saves,
   * adopted as the site's, and every open UI told to reload its views.
   */
  async applyConfig(next: ResolvedConfig): Promise<string | undefined> {
    const site = this.context.site;
    const apply = async () => {
      if (!this.engine.reconfigure) throw new Error('this engine cannot apply settings live');
      const words = await this.engine.reconfigure(next);
      site?.adopt(next);
      this.broadcast('config.reloaded', {
        at: Date.now(),
        warnings: next.warnings.map((w) => `${w.path}: ${w.message}`),
      });
      return words;
    };
    return site ? site.exclusive(apply) : apply();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  close(): void {
    this.engine.off('change', this.onChange);
    this.stopReviewEvents();
    this.status?.off(this.onStatus);
    this.context.links?.stop();
    this.progress?.stop();
    this.coalescer.stop();
    clearTimeout(this.throughputTimer);
    this.sessions.clear();
  }
}

function problemFrom(message: string): EventPayload<'problem'> {
  return { at: Date.now(), kind: 'contract', message };
}
