import { useCallback, useEffect, useRef, useState } from 'react';
import { useConnection, useEngine } from './engine-context.ts';
import { appendPage, applyChanges, EMPTY_LIST, type LoadedList, refreshHead } from './queue-list.ts';
import type { QueueTab } from './tabs.ts';

export const PAGE_SIZE = 200;
/** New files refresh the top of the list at most this often. */
const HEAD_REFRESH_MS = 500;

export interface QueueTabView {
  list: LoadedList;
  loading: boolean;
  error: string | undefined;
  loadMore(): void;
}

/** One tab's list: first page on open, older pages on demand, live changes applied as they come. */
export function useQueueTab(tab: QueueTab): QueueTabView {
  const client = useEngine();
  const connection = useConnection();
  const [list, setList] = useState<LoadedList>(EMPTY_LIST);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  // The list as of the last update, for handlers that must decide synchronously (React runs updaters later).
  const current = useRef<LoadedList>(EMPTY_LIST);
  const loadingMore = useRef(false);
  const headTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const states = tab.states;

  const commit = useCallback((next: (list: LoadedList) => LoadedList) => {
    current.current = next(current.current);
    setList(current.current);
  }, []);

  const fetchHead = useCallback(async () => {
    try {
      const head = await client.request('queue.list', { states: [...states], limit: PAGE_SIZE });
      commit((list) => refreshHead(list, head));
      setError(undefined);
    } catch (cause) {
      setError((cause as Error).message);
    }
  }, [client, states, commit]);

  useEffect(() => {
    commit(() => EMPTY_LIST);
    if (connection.kind !== 'connected') return;
    setLoading(true);
    void fetchHead().finally(() => setLoading(false));
  }, [connection, fetchHead, commit]);

  useEffect(
    () =>
      client.on('queue.changed', (payload) => {
        const applied = applyChanges(current.current, payload.changes, states);
        if (applied.list !== current.current) commit(() => applied.list);
        if (applied.needsHead && !headTimer.current) {
          headTimer.current = setTimeout(() => {
            headTimer.current = undefined;
            void fetchHead();
          }, HEAD_REFRESH_MS);
        }
      }),
    [client, states, fetchHead, commit],
  );
  useEffect(() => () => clearTimeout(headTimer.current), []);

  const loadMore = useCallback(() => {
    const { complete, nextCursor } = current.current;
    if (loadingMore.current || complete || !nextCursor) return;
    loadingMore.current = true;
    client
      .request('queue.list', { states: [...states], limit: PAGE_SIZE, cursor: nextCursor })
      .then(
        (page) => commit((list) => appendPage(list, page)),
        (cause: Error) => setError(cause.message),
      )
      .finally(() => {
        loadingMore.current = false;
      });
  }, [client, states, commit]);

  return { list, loading, error, loadMore };
}
