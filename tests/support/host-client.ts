import assert from 'node:assert/strict';
import type { CaptureEngine } from '../../main/engine/engine.ts';
import { type ClientSession, EngineHost } from '../../main/host/engine-host.ts';
import { CONTRACT_VERSION } from '../../shared/contract/index.ts';

export interface HostReply {
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
}

/**
 * A UI's session with an EngineHost in the test process, as a transport would carry it: requests by
 * name, and every message the host sent kept as its text (a test can check none carries a secret).
 */
export class HostTestClient {
  readonly received: string[] = [];
  session!: ClientSession;
  private nextId = 1;
  send = (text: string) => this.received.push(text);
  close = () => undefined;

  /** The host's messages, parsed. */
  messages(): Record<string, unknown>[] {
    return this.received.map((text) => JSON.parse(text) as Record<string, unknown>);
  }

  async request(method: string, params: unknown): Promise<HostReply> {
    const id = this.nextId++;
    await this.session.receive(JSON.stringify({ type: 'request', id, method, params }));
    const reply = this.messages().findLast((m) => m['type'] === 'reply' && m['id'] === id) as
      | HostReply
      | undefined;
    assert.ok(reply, `no reply to ${method}`);
    return reply;
  }

  /** The result of a request that must succeed. */
  async ok<T = Record<string, unknown>>(method: string, params: unknown = {}): Promise<T> {
    const reply = await this.request(method, params);
    assert.equal(reply.ok, true, `${method} failed: ${JSON.stringify(reply.error)}`);
    return reply.result as T;
  }

  /** The events of one name the host broadcast so far. */
  events(name: string): Record<string, unknown>[] {
    return this.messages().filter((m) => m['type'] === 'event' && m['name'] === name);
  }
}

/** An EngineHost on the engine (changes flushed every 20 ms), with one client connected and greeted. */
export async function hostWithClient(
  engine: CaptureEngine,
): Promise<{ host: EngineHost; client: HostTestClient }> {
  const host = new EngineHost(engine, { engineVersion: '0.1.0-test', flushIntervalMs: 20 });
  const client = new HostTestClient();
  client.session = host.open(client);
  await client.session.receive(
    JSON.stringify({ type: 'hello', contractVersion: CONTRACT_VERSION, client: 't' }),
  );
  return { host, client };
}
