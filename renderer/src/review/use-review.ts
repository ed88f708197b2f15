import { useCallback, useEffect, useRef, useState } from 'react';
import { imagePath, type RequestParams } from '../../../shared/contract/index.ts';
import type { EngineClient } from '../contract/client.ts';
import { useConnection, useEngine } from '../state/engine-context.ts';
import type { ReviewDetail, ReviewSummary } from './editor.ts';
import type { Outbox, OutboxRecord } from './outbox.ts';

export type ReviewFilter = NonNullable<RequestParams<'review.list'>['filter']>;

/** An item made ready to show: its detail and this reviewer's records in the outbox. */
export interface Prepared {
  detail: ReviewDetail | null;
  mine: OutboxRecord[];
  /** The picture, fetched and decoded ahead (an object URL), so it shows at once and also offline. */
  picture?: string;
  pictureError?: string;
}

const PAGE = 100;

/**
 * The review queue as the engine orders it (held first, most uncertain first), a page at a time, with
 * items prepared ahead of the reviewer: the detail, the outbox's records and the decoded picture of the
 * next items are fetched while the current one is looked at, so moving on shows them at once.
 */
export function useReviewQueue(filter: ReviewFilter, outbox: Outbox, reviewer: string) {
  const client = useEngine();
  const connection = useConnection();
  const [items, setItems] = useState<ReviewSummary[]>([]);
  const [cursor, setCursor] = useState<string>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);
  const prepared = useRef(new Map<number, Promise<Prepared>>());
  /**
   * Items forgotten (changed since they were prepared) keep their last preparation here: opened again
   * while the engine is out of reach, they show it, with this reviewer's records read afresh.
   */
  const stale = useRef(new Map<number, Promise<Prepared>>());
  const connected = connection.kind === 'connected';
  const key = JSON.stringify(filter);
  /** The list being shown (its filter) and where its next page starts, for loads started from any render. */
  const listed = useRef<{ key: string; cursor?: string }>({ key });
  /** The next page on its way: a second ask (read-ahead, then the reviewer reaching the end) shares it. */
  const more = useRef<Promise<number>>(undefined);

  useEffect(() => {
    if (!connected) return;
    let live = true;
    setLoading(true);
    listed.current = { key };
    more.current = undefined;
    client
      .request('review.list', { filter: JSON.parse(key) as ReviewFilter, limit: PAGE })
      .then((page) => {
        if (!live) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        listed.current = { key, ...(page.nextCursor ? { cursor: page.nextCursor } : {}) };
        setError(undefined);
      })
      .catch((e: Error) => live && setError(e.message))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [client, key, connected]);

  /** Appends the next page; resolves with how many items it added (0: none left, or it failed). */
  const loadMore = useCallback((): Promise<number> => {
    if (more.current) return more.current;
    const from = listed.current;
    if (!from.cursor) return Promise.resolve(0);
    setLoading(true);
    const made = (async () => {
      try {
        const page = await client.request('review.list', {
          filter: JSON.parse(from.key) as ReviewFilter,
          cursor: from.cursor,
          limit: PAGE,
        });
        // Another filter meanwhile: this page is not of the list shown.
        if (listed.current !== from) return 0;
        setItems((current) => [...current, ...page.items]);
        setCursor(page.nextCursor);
        listed.current = { key: from.key, ...(page.nextCursor ? { cursor: page.nextCursor } : {}) };
        return page.items.length;
      } catch (e) {
        setError((e as Error).message);
        return 0;
      } finally {
        more.current = undefined;
        setLoading(false);
      }
    })();
    more.current = made;
    return made;
  }, [client]);

  const prepare = useCallback(
    (fileId: number, fresh = false): Promise<Prepared> => {
      const known = prepared.current.get(fileId);
      if (known && !fresh) return known;
      const before = stale.current.get(fileId);
      const made = load(client, outbox, fileId, reviewer).then(
        (fresh) => {
          if (stale.current.get(fileId) === before) stale.current.delete(fileId);
          before?.then((p) => p.picture && URL.revokeObjectURL(p.picture)).catch(() => {});
          return fresh;
        },
        async (error: unknown) => {
          if (!before) throw error;
          const old = await before;
          return { ...old, mine: await mineIn(outbox, fileId, reviewer) };
        },
      );
      prepared.current.set(fileId, made);
      // A failed fetch (disconnected) is not kept: the next look tries again.
      made.catch(() => prepared.current.delete(fileId));
      if (prepared.current.size > 60) {
        const oldest = prepared.current.keys().next().value;
        if (oldest !== undefined && oldest !== fileId) {
          const gone = prepared.current.get(oldest);
          prepared.current.delete(oldest);
          gone?.then((p) => p.picture && URL.revokeObjectURL(p.picture)).catch(() => {});
        }
      }
      return made;
    },
    [client, outbox, reviewer],
  );

  const forget = useCallback((fileIds: readonly number[]) => {
    for (const id of fileIds) {
      const known = prepared.current.get(id);
      prepared.current.delete(id);
      if (!known) continue;
      stale.current.delete(id);
      stale.current.set(id, known);
      if (stale.current.size > 60) {
        const [oldest, gone] = stale.current.entries().next().value ?? [];
        if (oldest !== undefined) stale.current.delete(oldest);
        gone?.then((p) => p.picture && URL.revokeObjectURL(p.picture)).catch(() => {});
      }
    }
  }, []);

  const patch = useCallback((changes: ReadonlyMap<number, Partial<ReviewSummary>>) => {
    setItems((current) =>
      current.map((item) => {
        const change = changes.get(item.fileId);
        return change ? { ...item, ...change } : item;
      }),
    );
  }, []);

  return { items, error, loading, hasMore: cursor !== undefined, loadMore, prepare, forget, patch };
}

async function load(
  client: EngineClient,
  outbox: Outbox,
  fileId: number,
  reviewer: string,
): Promise<Prepared> {
  const [mine, detail] = await Promise.all([
    mineIn(outbox, fileId, reviewer),
    client.request('review.item', { fileId }).then((answer) => answer.item),
  ]);
  if (!detail?.contentType?.startsWith('image/')) return { detail, mine };
  try {
    const answer = await fetch(imagePath(fileId), { credentials: 'same-origin' });
    if (!answer.ok) return { detail, mine, pictureError: (await answer.text()) || `HTTP ${answer.status}` };
    const blob = await answer.blob();
    const picture = URL.createObjectURL(blob);
    // Decoded now, not when it is shown.
    const image = new Image();
    image.src = picture;
    await image.decode().catch(() => {});
    return { detail, mine, picture };
  } catch (error) {
    return { detail, mine, pictureError: (error as Error).message };
  }
}

function mineIn(outbox: Outbox, fileId: number, reviewer: string): Promise<OutboxRecord[]> {
  return outbox.forFile(fileId).then((records) => records.filter((r) => r.correction.reviewer === reviewer));
}
