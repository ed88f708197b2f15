import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { commands, userEvent } from 'vitest/browser';
import type { ConnectTransport, EngineClient } from '../../renderer/src/contract/client.ts';
import { freshReviewEngine, renderReview } from './support/review-engine.tsx';

/**
 * The Review view's keyboard against a real engine host over a slow link: every answer from the engine
 * arrives 200 ms late, so the keys below are all pressed while the next items are still loading. Each
 * key must be applied to the item it was meant for (queued until that item is open), none dropped and
 * none applied to the previous item: the engine ends up with one correction per item, as typed.
 */
const LATENCY_MS = 200;
const ITEMS = 9;

/** The WebSocket transport with every incoming message held back a while (order kept). */
function slow(connect: ConnectTransport, ms: number): ConnectTransport {
  return (handlers) =>
    connect({
      onOpen: () => setTimeout(() => handlers.onOpen(), ms),
      onMessage: (text) => setTimeout(() => handlers.onMessage(text), ms),
      onClose: (reason) => setTimeout(() => handlers.onClose(reason), ms),
    });
}

describe('ReviewView keyboard (real host, slow link)', () => {
  let client: EngineClient;
  let ids: number[];

  // A fresh engine and outbox for each run, so a retry starts from nothing corrected.
  beforeEach(async () => {
    ({ client, ids } = await freshReviewEngine(ITEMS, 'ui-review-test', (connect) =>
      slow(connect, LATENCY_MS),
    ));
  });
  afterEach(async () => {
    client.stop();
    await commands.stopEngine();
  });

  test('keys pressed faster than items load are each applied to their own item', async () => {
    const screen = await renderReview(client);
    const rows = () =>
      [...screen.container.querySelectorAll('.review-row')].map((r) =>
        Number(r.getAttribute('data-file-id')),
      );
    await expect.poll(() => rows().length, { timeout: 10_000 }).toBe(ITEMS);
    const order = rows();
    expect([...order].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    // The first item open, its classes known (car = 1, person = 2).
    await expect
      .poll(() => screen.container.querySelector('.review-stage')?.getAttribute('data-file-id'), {
        timeout: 10_000,
      })
      .toBe(String(order[0]));
    await expect.poll(() => screen.container.querySelectorAll('.class-keys .chip').length).toBe(2);

    // Three kinds of item, typed without waiting: class 2 on the first box and accept; reject;
    // select the first box, delete it, accept.
    const keysFor = (at: number) => ['2{Enter}', 'r', '{Tab}{Delete}{Enter}'][at % 3]!;
    const predicted = [
      { label: 'car', box: { x: 10, y: 20, w: 100, h: 50 }, from: 0 },
      { label: 'person', box: { x: 300, y: 100, w: 40, h: 120 }, from: 1 },
    ];
    const want = (at: number) =>
      [[{ ...predicted[0]!, label: 'person' }, predicted[1]!], [], [predicted[1]!]][at % 3]!;
    await userEvent.keyboard(order.map((_, at) => keysFor(at)).join(''));

    // Every item corrected once in the engine, with what was typed for it.
    for (const [at, fileId] of order.entries()) {
      await expect
        .poll(async () => (await client.request('corrections.forFile', { fileId })).corrections.length, {
          timeout: 20_000,
          message: `corrections of item ${at + 1} (${keysFor(at)})`,
        })
        .toBe(1);
      const [correction] = (await client.request('corrections.forFile', { fileId })).corrections;
      expect(correction?.reviewer).toBe('kim');
      expect(correction?.objects, `item ${at + 1} (${keysFor(at)})`).toEqual(want(at));
    }
    await expect
      .poll(() => screen.container.querySelector('.sync-badge')?.getAttribute('data-unsynced'), {
        timeout: 20_000,
      })
      .toBe('0');
  });
});
