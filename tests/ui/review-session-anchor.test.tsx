import { useState } from 'react';
import { flushSync } from 'react-dom';
import { expect, test } from 'vitest';
import { render } from 'vitest-browser-react';
import { EngineClient } from '../../renderer/src/contract/client.ts';
import type { ReviewDetail, ReviewSummary } from '../../renderer/src/review/editor.ts';
import { Outbox } from '../../renderer/src/review/outbox.ts';
import { OutboxDb } from '../../renderer/src/review/outbox-db.ts';
import type { useReviewQueue } from '../../renderer/src/review/use-review.ts';
import { type ReviewSession, useReviewSession } from '../../renderer/src/views/review/use-review-session.ts';

/**
 * Where the reviewer is when the list changes in the same render as the reviewer moves on (an accept
 * goes to the next item while an engine event patches the list): the review-keyboard e2e saw the
 * session sent back to the item just accepted, and the next key corrected it a second time.
 *
 * The queue here is a plain list held by the test (the engine-facing hook's shape, nothing of the
 * session replaced): the session under test is the real one.
 */
type Queue = ReturnType<typeof useReviewQueue>;

const summary = (fileId: number) => ({ fileId, reviewState: 'unreviewed' }) as unknown as ReviewSummary;
const detail = (fileId: number) =>
  ({
    fileId,
    sha256: `sha-${fileId}`,
    predictions: [],
    current: [],
    superseded: [],
  }) as unknown as ReviewDetail;

interface Seen {
  session?: ReviewSession;
  setItems?: (items: ReviewSummary[]) => void;
}

function Harness({ seen, client, outbox }: { seen: Seen; client: EngineClient; outbox: Outbox }) {
  const [items, setItems] = useState<ReviewSummary[]>([1, 2, 3, 4].map(summary));
  const queue = {
    items,
    error: undefined,
    loading: false,
    hasMore: false,
    loadMore: async () => 0,
    prepare: async (fileId: number) => ({ detail: detail(fileId), mine: [] }),
    forget: () => {},
    patch: () => {},
  } as unknown as Queue;
  const session = useReviewSession({
    client,
    outbox,
    queue,
    reviewer: 'kim',
    classes: ['car'],
    filterKey: 'all',
    connected: true,
  });
  seen.session = session;
  seen.setItems = setItems;
  return <div className="open">{session.current?.fileId}</div>;
}

function harness() {
  const seen: Seen = {};
  const client = new EngineClient(() => ({ send() {}, close() {} }), 'anchor-test');
  const outbox = new Outbox(new OutboxDb(`anchor-${Math.random()}`));
  return { element: <Harness seen={seen} client={client} outbox={outbox} />, seen };
}

test('moving on while the list is patched in the same render keeps the item moved to', async () => {
  const { element, seen } = harness();
  const screen = await render(element);
  await expect.poll(() => screen.container.querySelector('.open')?.textContent).toBe('1');
  // One render with both: a patched list (same order, new array) and the index moved to the next item.
  flushSync(() => {
    seen.setItems?.([1, 2, 3, 4].map(summary));
    seen.session?.store.set({ index: 1 });
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(seen.session?.store.get().index).toBe(1);
  expect(screen.container.querySelector('.open')?.textContent).toBe('2');
});

test('a list fetched again in another order keeps the item being looked at', async () => {
  const { element, seen } = harness();
  const screen = await render(element);
  flushSync(() => seen.session?.store.set({ index: 2 }));
  await expect.poll(() => screen.container.querySelector('.open')?.textContent).toBe('3');
  flushSync(() => seen.setItems?.([3, 4, 1, 2].map(summary)));
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(seen.session?.store.get().index).toBe(0);
  expect(screen.container.querySelector('.open')?.textContent).toBe('3');
});
