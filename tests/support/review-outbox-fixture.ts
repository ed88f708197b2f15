import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { CaptureQueue } from '../../main/engine/queue/queue.ts';
import { ReviewService } from '../../main/engine/review/index.ts';
import { EngineHost } from '../../main/host/engine-host.ts';
import type { HostedEngine } from '../../main/host/hosted-engine.ts';
import type { ConnectTransport, EngineClient } from '../../renderer/src/contract/client.ts';
import type { Outbox } from '../../renderer/src/review/outbox.ts';
import { addCapture, box } from './review-fixture.ts';

/**
 * The review outbox's surroundings for Node tests: a real queue, review service and engine host, an
 * in-process link to it that can be cut, and the outbox wired to a client as the Review view wires it.
 */
/** The engine side: a real queue with predicted captures, the review service and the host. */
export function engineWith(dir: string, captures: number, state: 'held' | 'queued' = 'queued') {
  const queue = new CaptureQueue(join(dir, `queue-${Math.random().toString(36).slice(2)}.db`));
  const ids: number[] = [];
  for (let i = 0; i < captures; i++)
    ids.push(
      addCapture(
        queue,
        {
          name: `frame-${i}.jpg`,
          predictions: [
            { label: 'car', score: 0.4 + i / 100, box: box(10, 20, 100, 50) },
            { label: 'person', score: 0.9, box: box(300, 100, 40, 120) },
          ],
          modelVersion: 'det-1',
          state,
        },
        i + 1,
      ),
    );
  const review = new ReviewService(queue);
  const emitter = new EventEmitter();
  const engine: HostedEngine = {
    queue,
    review,
    on: (event, listener) => emitter.on(event, listener),
    off: (event, listener) => emitter.off(event, listener),
  };
  const host = new EngineHost(engine, { engineVersion: 'test', flushIntervalMs: 10 });
  return { queue, review, host, ids, sha: (id: number) => queue.get(id)!.sha256! };
}

/**
 * An in-process link to the host that can be cut: while down, connecting fails at once; `dropAnswers`
 * swallows the host's replies (the request is carried out, the answer lost on the way back).
 */
export function link(host: EngineHost) {
  /** `requests`: the method of every request the host received, in order. */
  const control = { up: true, dropAnswers: false, closeAll: () => {}, requests: [] as string[] };
  const open = new Set<() => void>();
  control.closeAll = () => {
    for (const close of [...open]) close();
  };
  const connect: ConnectTransport = (handlers) => {
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      open.delete(close);
      session.closed();
      queueMicrotask(() => handlers.onClose('link cut'));
    };
    const session = host.open({
      send: (text) => {
        if (closed) return;
        if (control.dropAnswers && text.includes('"type":"reply"')) return;
        queueMicrotask(() => !closed && handlers.onMessage(text));
      },
      close: () => close(),
    });
    if (!control.up) {
      closed = true;
      queueMicrotask(() => handlers.onClose('engine not reachable'));
    } else {
      open.add(close);
      queueMicrotask(() => handlers.onOpen());
    }
    const send = (text: string) => {
      if (closed) return;
      const message = JSON.parse(text) as { type?: string; method?: string };
      if (message.type === 'request' && message.method) control.requests.push(message.method);
      void session.receive(text);
    };
    return { send, close };
  };
  return { control, connect };
}

/** The outbox wired to a client as the Review view wires it: submit while connected, hold while not. */
export function wire(outbox: Outbox, client: EngineClient) {
  return client.onState((state) =>
    state.kind === 'connected'
      ? outbox.connect(
          async (corrections) => (await client.request('corrections.submit', { corrections })).outcomes,
          async (decisions) => (await client.request('review.decideHeldMany', { decisions })).answers,
        )
      : outbox.connect(null),
  );
}

export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
