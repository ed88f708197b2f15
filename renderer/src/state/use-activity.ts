import { useCallback, useEffect, useRef, useState } from 'react';
import type { ActivityItem, ActivityKind } from '../../../shared/contract/index.ts';
import { useConnection, useEngine } from './engine-context.ts';

export const ACTIVITY_PAGE = 100;
/** New entries are fetched at most this often while the log is live. */
const LIVE_REFRESH_MS = 700;

export interface ActivityFilter {
  text: string;
  kinds: readonly ActivityKind[];
}

export interface ActivityView {
  items: ActivityItem[];
  loading: boolean;
  error: string | undefined;
  complete: boolean;
  loadOlder(): void;
}

/**
 * The activity log for one filter: the newest page on open, older pages on demand, and new entries
 * on top as the engine reports changes (the host does the filtering, so live entries match it too).
 */
export function useActivity(filter: ActivityFilter): ActivityView {
  const client = useEngine();
  const connection = useConnection();
  const [items, setItems] = useState<ActivityItem[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  const [nextBefore, setNextBefore] = useState<number>();
  const [complete, setComplete] = useState(false);
  const itemsRef = useRef<ActivityItem[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const params = useCallback(
    () => ({
      text: filter.text.trim() || undefined,
      kinds: filter.kinds.length > 0 && filter.kinds.length < 3 ? [...filter.kinds] : undefined,
    }),
    [filter.text, filter.kinds],
  );

  const commit = useCallback((next: ActivityItem[]) => {
    itemsRef.current = next;
    setItems(next);
  }, []);

  // First page whenever the filter or the connection changes.
  useEffect(() => {
    commit([]);
    setComplete(false);
    setNextBefore(undefined);
    if (connection.kind !== 'connected') return;
    let current = true;
    setLoading(true);
    client
      .request('activity.list', { limit: ACTIVITY_PAGE, ...params() })
      .then(
        (page) => {
          if (!current) return;
          commit(page.items);
          setNextBefore(page.nextBefore);
          setComplete(page.nextBefore === undefined);
          setError(undefined);
        },
        (cause: Error) => current && setError(cause.message),
      )
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [client, connection, params, commit]);

  // Live: anything newer than the top entry goes on top.
  useEffect(() => {
    const refresh = () => {
      timer.current = undefined;
      const newest = itemsRef.current[0]?.seq ?? 0;
      void client.request('activity.list', { limit: ACTIVITY_PAGE, ...params() }).then(
        (page) => {
          const fresh = page.items.filter((item) => item.seq > newest);
          if (fresh.length === page.items.length && page.nextBefore !== undefined) {
            // More arrived than a page: start again from the newest, so no gap is left in the middle.
            commit(page.items);
            setNextBefore(page.nextBefore);
            setComplete(false);
          } else if (fresh.length > 0) commit([...fresh, ...itemsRef.current]);
        },
        () => undefined,
      );
    };
    const schedule = () => {
      timer.current ??= setTimeout(refresh, LIVE_REFRESH_MS);
    };
    const offChanged = client.on('queue.changed', schedule);
    const offConfig = client.on('config.reloaded', schedule);
    return () => {
      offChanged();
      offConfig();
      clearTimeout(timer.current);
      timer.current = undefined;
    };
  }, [client, params, commit]);

  const loadOlder = useCallback(() => {
    if (nextBefore === undefined || loading) return;
    setLoading(true);
    client
      .request('activity.list', { limit: ACTIVITY_PAGE, before: nextBefore, ...params() })
      .then(
        (page) => {
          const seen = new Set(itemsRef.current.map((item) => item.seq));
          commit([...itemsRef.current, ...page.items.filter((item) => !seen.has(item.seq))]);
          setNextBefore(page.nextBefore);
          setComplete(page.nextBefore === undefined);
        },
        (cause: Error) => setError(cause.message),
      )
      .finally(() => setLoading(false));
  }, [client, nextBefore, loading, params, commit]);

  return { items, loading, error, complete, loadOlder };
}
