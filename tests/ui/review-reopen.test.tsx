import { afterEach, beforeEach, expect, test } from 'vitest';
import { commands } from 'vitest/browser';
import type { EngineClient } from '../../renderer/src/contract/client.ts';
import { freshReviewEngine, renderReview } from './support/review-engine.tsx';

/**
 * A reviewer on a flaky site network opens an item the view had not prepared while the engine is
 * out of reach: it says it could not be opened, and opens by itself once the engine answers again
 * (before, it stayed failed until the reviewer went away and came back). Real engine host over
 * WebSocket; the fixture closes its server for a while.
 */
const ITEMS = 14;
let client: EngineClient;

beforeEach(async () => {
  ({ client } = await freshReviewEngine(ITEMS, 'ui-review-reopen'));
});
afterEach(async () => {
  client.stop();
  await commands.stopEngine();
});

test('an item that failed to open while the engine was away opens when it is back', async () => {
  const screen = await renderReview(client);
  const stage = () => screen.container.querySelector('.review-stage')?.getAttribute('data-file-id');
  const rows = () =>
    [...screen.container.querySelectorAll('.review-row')].map((r) => Number(r.getAttribute('data-file-id')));
  await expect.poll(() => rows().length, { timeout: 10_000 }).toBe(ITEMS);
  const order = rows();
  await expect.poll(stage, { timeout: 10_000 }).toBe(String(order[0]));

  // The engine goes away for 3 s; the last item (never prepared: only the next few are) is opened.
  const bounce = commands.bounceEngine(3000);
  await expect.poll(() => client.state.kind, { timeout: 5000 }).not.toBe('connected');
  const last = order.at(-1);
  const row = screen.container.querySelector<HTMLElement>(`.review-row[data-file-id="${last}"] .row-open`);
  const said: string[] = [];
  const watch = new MutationObserver(() => {
    const text = screen.container.querySelector('.review-message')?.textContent;
    if (text && said.at(-1) !== text) said.push(text);
  });
  watch.observe(screen.container, { subtree: true, childList: true, characterData: true });
  row?.click();
  await expect.poll(() => said.join(' | '), { timeout: 5000 }).toMatch(/Could not open the item/);
  expect(stage()).not.toBe(String(last));

  // Back: it opens with no key pressed, and says why.
  await bounce;
  await expect.poll(stage, { timeout: 15_000 }).toBe(String(last));
  watch.disconnect();
  expect(said.at(-1), said.join(' | ')).toMatch(/engine is back/);
});
