import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { CLOSE, type ClientSession, EngineHost } from '../main/host/engine-host.ts';
import type { HostedEngine } from '../main/host/hosted-engine.ts';
import { CONTRACT_VERSION } from '../shared/contract/index.ts';
import type { Decision } from '../shared/decision.ts';

/** A UI end of a connection: collects what the host sends, parsed. */
class Client {
  readonly received: Record<string, unknown>[] = [];
  closedWith: { code: number; reason: string } | undefined;
  session!: ClientSession;
  private nextId = 1;
  send = (text: string) => this.received.push(JSON.parse(text));
  close = (code: number, reason: string) => {
    this.closedWith = { code, reason };
  };
  async hello(version = CONTRACT_VERSION) {
    await this.session.receive(JSON.stringify({ type: 'hello', contractVersion: version, client: 'test' }));
    return this.received.at(-1);
  }
  async request(method: string, params: unknown) {
    const id = this.nextId++;
    await this.session.receive(JSON.stringify({ type: 'request', id, method, params }));
    const reply = this.received.findLast((m) => m['type'] === 'reply' && m['id'] === id);
    assert.ok(reply, `no reply to ${method}`);
    return reply as {
      ok: boolean;
      result?: Record<string, unknown>;
      error?: { code: string; message: string };
    };
  }
  events(name: string) {
    return this.received.filter((m) => m['type'] === 'event' && m['name'] === name) as {
      payload: Record<string, unknown>;
    }[];
  }
}

const decision = (action: Decision['action'], objectKey?: string): Decision => ({
  action,
  rule: 'test',
  ruleIndex: 0,
  reason: `test ${action}`,
  priority: 0,
  objectKey,
  metadata: {},
  trace: [],
  decidedAt: 0,
});

describe('engine host: the contract served over any connection', () => {
  let dir: string;
  let queue: CaptureQueue;
  let host: EngineHost;
  const clients: Client[] = [];

  const connect = () => {
    const client = new Client();
    client.session = host.open(client);
    clients.push(client);
    return client;
  };
  const addFile = (n: number) =>
    queue.discover({
      folderId: 'cam',
      relPath: `f${n}.jpg`,
      absPath: join(dir, `f${n}.jpg`),
      size: 10,
      mtimeMs: 1,
    }).id;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edge-host-'));
    queue = new CaptureQueue(join(dir, 'queue.db'));
    const engine: HostedEngine = {
      queue,
      on: (event, listener) => queue.on(event, listener),
      off: (event, listener) => queue.off(event, listener),
    };
    host = new EngineHost(engine, { engineVersion: '0.1.0-test', flushIntervalMs: 50 });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.session.closed();
    host.close();
    queue.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the handshake: welcome with the change-log position, a request before it is refused', async () => {
    addFile(1);
    const client = connect();
    const early = await client.request('queue.counts', {});
    assert.equal(early.ok, false);
    assert.equal(early.error?.code, 'not_ready');
    const welcome = await client.hello();
    assert.deepEqual(welcome, {
      type: 'welcome',
      contractVersion: CONTRACT_VERSION,
      engineVersion: '0.1.0-test',
      lastSeq: queue.lastSeq(),
    });
    assert.ok(queue.lastSeq() > 0);
    const counts = await client.request('queue.counts', {});
    const byState = counts.result?.['counts'] as Record<string, number> | undefined;
    assert.equal(byState?.['discovered'], 1);
  });

  test('a UI of another contract version is told so and disconnected', async () => {
    const client = connect();
    await client.hello(CONTRACT_VERSION + 1);
    assert.equal(client.closedWith?.code, CLOSE.versionMismatch);
    assert.match(client.closedWith?.reason ?? '', /engine is older than the UI/);
    assert.equal(host.sessionCount, 0);
  });

  test('malformed messages get a clear error and the host keeps serving', async () => {
    const client = connect();
    await client.hello();
    await client.session.receive('{oops');
    await client.session.receive(
      JSON.stringify({ type: 'request', id: 9, method: 'queue.list', params: { limit: 0 } }),
    );
    const bad = client.received.find((m) => m['id'] === 9) as { error: { code: string; message: string } };
    assert.equal(bad.error.code, 'invalid_params');
    assert.match(bad.error.message, /limit/);
    const problem = client.events('problem').at(-1);
    assert.match(String(problem?.payload['message']), /not valid JSON/);
    const after = await client.request('queue.counts', {});
    assert.equal(after.ok, true);
  });

  test('queue.list pages through every file without loading them all', async () => {
    queue.transaction(() => {
      for (let n = 1; n <= 2500; n++) addFile(n);
    });
    const client = connect();
    await client.hello();
    const seen = new Set<number>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const reply = await client.request('queue.list', { limit: 1000, ...(cursor ? { cursor } : {}) });
      const items = reply.result?.['items'] as { id: number; relPath: string }[];
      assert.ok(items.length <= 1000);
      for (const item of items) seen.add(item.id);
      cursor = reply.result?.['nextCursor'] as string | undefined;
      pages += 1;
    } while (cursor);
    assert.equal(seen.size, 2500);
    assert.equal(pages, 3);
  });

  test('a burst of changes reaches the UI as a few coalesced events, and catch-up fills any gap', async () => {
    const client = connect();
    const welcome = (await client.hello()) as { lastSeq: number };
    for (let n = 1; n <= 1000; n++) addFile(n); // a thousand separate commits, each a change event
    await new Promise((resolve) => setTimeout(resolve, 300));
    const changed = client.events('queue.changed');
    assert.ok(
      changed.length >= 1 && changed.length <= 5,
      `${changed.length} queue.changed events for 1000 files`,
    );
    assert.equal(changed.at(-1)?.payload['lastSeq'], queue.lastSeq());
    const counts = client.events('queue.counts').at(-1)?.payload['counts'] as Record<string, number>;
    assert.equal(counts['discovered'], 1000);
    // Events carry only the newest changes; the UI fetches the rest from its last seq.
    let seq = welcome.lastSeq;
    let fetched = 0;
    for (;;) {
      const reply = await client.request('queue.changesSince', { seq, limit: 400 });
      fetched += (reply.result?.['changes'] as unknown[] | undefined)?.length ?? 0;
      seq = reply.result?.['lastSeq'] as number;
      if (reply.result?.['complete']) break;
    }
    assert.equal(seq, queue.lastSeq());
    assert.ok(fetched >= 1000);
  });

  test('retry sends failed uploads back to the queue, never a file that has no object key', async () => {
    const failed = addFile(1);
    queue.saveDecision(failed, decision('upload', 'site/f1.jpg'), 'queued');
    queue.transition(failed, 'failed', { attempts: 5, lastError: 'timeout' });
    const pii = addFile(2);
    queue.saveDecision(pii, decision('quarantine'), 'quarantined');
    const uploaded = addFile(3);
    queue.saveDecision(uploaded, decision('upload', 'site/f3.jpg'), 'queued');
    queue.transition(uploaded, 'uploaded');
    const client = connect();
    await client.hello();
    const reply = await client.request('files.retry', { ids: [failed, pii, uploaded, 999] });
    assert.deepEqual(reply.result, { changed: 1 });
    assert.equal(queue.get(failed)?.state, 'queued');
    assert.equal(queue.get(failed)?.attempts, 0);
    assert.equal(queue.get(pii)?.state, 'quarantined');
    assert.equal(queue.get(uploaded)?.state, 'uploaded');
  });
});
