import type { KeyboardEvent } from 'react';
import type { QueueCounts } from '../../../shared/contract/index.ts';
import { QUEUE_TABS, type QueueTab, tabCount } from '../state/tabs.ts';
import { formatCount } from './format.ts';

interface Props {
  selected: QueueTab;
  counts: QueueCounts | undefined;
  onSelect(tab: QueueTab): void;
}

/** The queue's tabs with live counts; arrow keys move between them (WAI-ARIA tabs pattern). */
export function QueueTabs({ selected, counts, onSelect }: Props) {
  const move = (event: KeyboardEvent, by: number) => {
    event.preventDefault();
    const index = QUEUE_TABS.indexOf(selected);
    const next = QUEUE_TABS[(index + by + QUEUE_TABS.length) % QUEUE_TABS.length] as QueueTab;
    onSelect(next);
    document.getElementById(`tab-${next.id}`)?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label="Queue">
      {QUEUE_TABS.map((tab) => {
        const count = tabCount(tab, counts);
        const active = tab === selected;
        return (
          <button
            key={tab.id}
            id={`tab-${tab.id}`}
            type="button"
            role="tab"
            aria-selected={active}
            aria-controls="queue-panel"
            tabIndex={active ? 0 : -1}
            className={`tab tone-${tab.tone}${active ? ' active' : ''}${count > 0 ? ' has-items' : ''}`}
            onClick={() => onSelect(tab)}
            onKeyDown={(event) => {
              if (event.key === 'ArrowRight') move(event, 1);
              if (event.key === 'ArrowLeft') move(event, -1);
            }}
          >
            <span className="tab-label">{tab.label}</span>
            <span className="tab-count" data-testid={`count-${tab.id}`}>
              {counts ? formatCount(count) : '…'}
            </span>
          </button>
        );
      })}
    </div>
  );
}
