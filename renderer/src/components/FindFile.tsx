import { useDeferredValue, useEffect, useRef, useState } from 'react';
import type { CatalogItemMessage } from '../../../shared/contract/index.ts';
import { useConnection, useEngine } from '../state/engine-context.ts';
import { formatAgo, formatBytes, stateLabel } from './format.ts';
import { useSlashFocus } from './use-slash-focus.ts';

const PAGE = 50;

/**
 * Files whose name, folder, class, tag or type match the words typed, in any state (the catalog's
 * full-text index: every word a prefix, all of them required), newest first. For the operator asking
 * "where is frame_0042, and why was it held back?" without knowing its tab.
 */
export function useFoundFiles(text: string) {
  const client = useEngine();
  const connected = useConnection().kind === 'connected';
  const words = useDeferredValue(text.trim());
  const [items, setItems] = useState<CatalogItemMessage[]>([]);
  const [cursor, setCursor] = useState<string>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    if (!words || !connected) {
      setItems([]);
      setCursor(undefined);
      return;
    }
    let live = true;
    setLoading(true);
    client
      .request('catalog.search', { filter: { text: words }, limit: PAGE })
      .then((page) => {
        if (!live) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setError(undefined);
      })
      .catch((e: Error) => live && setError(e.message))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [client, words, connected]);

  const more = async () => {
    if (!cursor) return;
    const page = await client.request('catalog.search', { filter: { text: words }, cursor, limit: PAGE });
    setItems((current) => [...current, ...page.items]);
    setCursor(page.nextCursor);
  };
  return { words, items, error, loading, hasMore: cursor !== undefined, more };
}

/** The search box beside the queue's tabs; "/" reaches it, Escape clears it. */
export function FindFileInput({ text, onText }: { text: string; onText(text: string): void }) {
  const input = useRef<HTMLInputElement>(null);
  useSlashFocus(input);
  return (
    <input
      ref={input}
      type="search"
      className="search find-file"
      placeholder="Find a file: name, folder, class, tag… (/)"
      aria-label="Find a file in any queue"
      value={text}
      onChange={(e) => onText(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onText('');
      }}
    />
  );
}

/** What the search found, in place of the tab's list: each file with its state now; a click shows its story. */
export function FoundFiles(props: {
  found: ReturnType<typeof useFoundFiles>;
  selectedId: number | undefined;
  onSelect(id: number): void;
}) {
  const { found } = props;
  if (found.error) return <p className="banner bad">Could not search: {found.error}</p>;
  if (found.items.length === 0)
    return <p className="empty">{found.loading ? 'Searching…' : `No file matches “${found.words}”.`}</p>;
  return (
    <>
      <p className="found-head muted" role="status">
        {found.items.length}
        {found.hasMore ? '+' : ''} file{found.items.length === 1 ? '' : 's'} matching “{found.words}”, newest
        first
      </p>
      <ul className="found-list" aria-label="Files found">
        {found.items.map((item) => (
          <li key={item.id}>
            <button
              type="button"
              className={item.id === props.selectedId ? 'row found selected' : 'row found'}
              aria-current={item.id === props.selectedId ? 'true' : undefined}
              onClick={() => props.onSelect(item.id)}
            >
              <span className="row-main">
                <span className="row-name" title={item.relPath}>
                  {item.relPath}
                </span>
                <span className={`badge state-${item.state}`}>{stateLabel(item.state)}</span>
              </span>
              <span className="row-sub">
                <span>{item.folderId}</span>
                <span>{formatBytes(item.size)}</span>
                <span>captured {formatAgo(item.capturedAt)}</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
      {found.hasMore ? (
        <button type="button" className="ghost more" onClick={() => void found.more()}>
          Show more
        </button>
      ) : null}
    </>
  );
}
