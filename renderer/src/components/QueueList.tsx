import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, memo, useEffect, useRef } from 'react';
import type { FileSummary } from '../../../shared/contract/index.ts';
import type { LoadedList } from '../state/queue-list.ts';
import type { ProgressItem } from '../state/use-uploads.ts';
import { formatAgo, formatBytes, stateLabel } from './format.ts';

const ROW_HEIGHT = 52;

interface Props {
  list: LoadedList;
  selectedId: number | undefined;
  emptyText: string;
  onSelect(id: number): void;
  onNeedMore(): void;
  /** Bytes sent per upload in flight, by file id (from `upload.progress`). */
  progress?: ReadonlyMap<number, readonly ProgressItem[]>;
}

/**
 * A virtualized list: only the rows on screen exist in the DOM, so 100,000 queued files scroll as
 * smoothly as ten. The row after the last loaded one asks for the next page.
 */
export function QueueList({ list, selectedId, emptyText, onSelect, onNeedMore, progress }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const more = !list.complete && list.nextCursor !== undefined;
  const virtualizer = useVirtualizer({
    count: list.items.length + (more ? 1 : 0),
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  const rows = virtualizer.getVirtualItems();
  const lastIndex = rows.at(-1)?.index ?? -1;

  useEffect(() => {
    if (more && lastIndex >= list.items.length - 1) onNeedMore();
  }, [more, lastIndex, list.items.length, onNeedMore]);

  const onKeyDown = (event: KeyboardEvent) => {
    const step = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 }[event.key];
    if (step === undefined || list.items.length === 0) return;
    event.preventDefault();
    // Looked up on a key, not on every render: a render per scroll frame need not walk the loaded list.
    const selectedIndex = list.items.findIndex((item) => item.id === selectedId);
    const next = Math.min(
      Math.max((selectedIndex < 0 ? -1 : selectedIndex) + step, 0),
      list.items.length - 1,
    );
    const item = list.items[next];
    if (item) {
      onSelect(item.id);
      virtualizer.scrollToIndex(next, { align: 'auto' });
    }
  };

  if (list.items.length === 0 && list.complete) {
    return <p className="empty">{emptyText}</p>;
  }
  return (
    <div
      ref={scroller}
      className="queue-list"
      // Virtualization depends on the list scrolling inside its own box: kept here, not only in CSS.
      style={{ height: '100%', overflow: 'auto', contain: 'strict' }}
      role="listbox"
      aria-label="Files"
      tabIndex={0}
      aria-activedescendant={selectedId ? `file-${selectedId}` : undefined}
      onKeyDown={onKeyDown}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {rows.map((row) => {
          const item = list.items[row.index];
          if (!item) {
            return (
              <div key="more" className="row loading-row" style={rowStyle(row.start)}>
                Loading older files…
              </div>
            );
          }
          return (
            <Row
              key={item.id}
              item={item}
              start={row.start}
              selected={item.id === selectedId}
              onSelect={onSelect}
              sent={sentFraction(progress?.get(item.id))}
            />
          );
        })}
      </div>
    </div>
  );
}

/** Positioned here, not only in CSS: the list must lay out the same wherever it is rendered. */
function rowStyle(start: number) {
  return {
    position: 'absolute',
    top: 0,
    left: 0,
    width: '100%',
    height: ROW_HEIGHT,
    transform: `translateY(${start}px)`,
  } as const;
}

/** Share of the file's bytes sent, over every destination it is going to (undefined: not uploading). */
function sentFraction(items: readonly ProgressItem[] | undefined): number | undefined {
  if (!items?.length) return undefined;
  const total = items.reduce((sum, item) => sum + item.totalBytes, 0);
  return total > 0 ? items.reduce((sum, item) => sum + item.sentBytes, 0) / total : 0;
}

interface RowProps {
  item: FileSummary;
  start: number;
  selected: boolean;
  onSelect(id: number): void;
  sent: number | undefined;
}

/**
 * One file. Memoized: a scroll frame renders the list, but only the rows that came into view render;
 * the rows already on screen keep their item, position and selection, so React skips them.
 */
const Row = memo(function Row({ item, start, selected, onSelect, sent }: RowProps) {
  return (
    // The listbox owns the keyboard (arrows move the selection, aria-activedescendant names it).
    // biome-ignore lint/a11y/useKeyWithClickEvents: keys are handled once, on the listbox
    <div
      id={`file-${item.id}`}
      tabIndex={-1}
      role="option"
      aria-selected={selected}
      className={selected ? 'row selected' : 'row'}
      style={rowStyle(start)}
      onClick={() => onSelect(item.id)}
    >
      <div className="row-main">
        <span className="row-name" title={item.relPath}>
          {item.relPath}
        </span>
        <span className={`badge state-${item.state}`}>{stateLabel(item.state)}</span>
      </div>
      <div className="row-sub">
        <span>{item.folderId}</span>
        <span>{formatBytes(item.size)}</span>
        <span>{formatAgo(item.stateChangedAt)}</span>
        {item.reason ? <span className="row-reason">{item.reason}</span> : null}
      </div>
      {sent !== undefined ? (
        <span
          className="row-progress"
          role="progressbar"
          aria-label={`${item.relPath} uploading`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(sent * 100)}
        >
          <span style={{ width: `${(sent * 100).toFixed(1)}%` }} />
        </span>
      ) : null}
    </div>
  );
});
