import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { commands } from 'vitest/browser';
import {
  type ConnectionState,
  EngineClient,
  EngineRequestError,
} from '../../renderer/src/contract/client.ts';
import { webSocketTransport } from '../../renderer/src/contract/websocket-transport.ts';

/** Waits for a condition the way a person watching the screen would, with a generous deadline. */
async function until<T>(what: string, probe: () => T | undefined | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('EngineClient in Chromium, against a real engine host over a WebSocket', () => {
  let client: EngineClient;
  const states: ConnectionState['kind'][] = [];

  beforeAll(async () => {
    const { url } = await commands.startEngine(location.origin);
    client = new EngineClient(webSocketTransport(url), 'ui-test');
    client.onState((state) => states.push(state.kind));
    client.start();
    await until('connected', () => client.state.kind === 'connected');
  });
  afterAll(async () => {
    client.stop();
    await commands.stopEngine();
  });

  test('handshake, then typed requests with validated replies', async () => {
    expect(client.state.kind === 'connected' && client.state.welcome.engineVersion).toBe('0.1.0-ui-test');
    await commands.addFiles(3, 'held');
    const counts = await client.request('queue.counts', {});
    expect(counts.counts.held).toBe(3);
    const page = await client.request('queue.list', { limit: 2, states: ['held'] });
    expect(page.items).toHaveLength(2);
    expect(page.items[0]?.reason).toBe('Test reason: held');
    expect(page.nextCursor).toBeDefined();
  });

  test('a request the host refuses rejects with the contract code and sentence', async () => {
    const error = await client.request('queue.list', { limit: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineRequestError);
    expect((error as EngineRequestError).code).toBe('invalid_params');
    expect((error as Error).message).toMatch(/limit/);
  });

  test('live events arrive coalesced', async () => {
    const seen: number[] = [];
    const off = client.on('queue.counts', (payload) => seen.push(payload.counts.skipped ?? 0));
    await commands.addFiles(500, 'skipped');
    await until('counts event with 500 skipped', () => seen.includes(500));
    off();
    expect(seen.length).toBeLessThan(10);
  });

  test('the engine going away: the client says so, retries, and reconnects by itself', async () => {
    states.length = 0;
    await commands.bounceEngine(700);
    await until('reconnected', () => states.includes('disconnected') && client.state.kind === 'connected');
    expect(states).toContain('disconnected');
    const counts = await client.request('queue.counts', {});
    expect(counts.counts.held).toBe(3);
  });
});
