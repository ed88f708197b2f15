import { describe, expect, test } from 'vitest';
import { SessionStore } from '../../renderer/src/views/review/session-store.ts';

/** Waiting for an item to open: a wait that depends on state outside the store still ends. */
describe('SessionStore.until', () => {
  test('sees a change made outside the store (polled), without any store change', async () => {
    const store = new SessionStore();
    let outside = false;
    setTimeout(() => {
      outside = true;
    }, 300);
    await expect(store.until(() => (outside ? 'open' : undefined))).resolves.toBe('open');
  });

  test('a wait that can never end gives up with its fallback, so the keys after it run', async () => {
    const store = new SessionStore();
    await expect(store.until(() => undefined, 400, 'gave up')).resolves.toBe('gave up');
  });

  test('a store change is seen at once', async () => {
    const store = new SessionStore();
    const waiting = store.until(() => (store.get().index === 3 ? store.get().index : undefined));
    store.set({ index: 3 });
    await expect(waiting).resolves.toBe(3);
  });
});
