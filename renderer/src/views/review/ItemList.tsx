import { useEffect, useRef } from 'react';
import type { ReviewSummary } from '../../review/editor.ts';
import type { HeldRecord } from '../../review/held-outbox.ts';
import type { OutboxRecord } from '../../review/outbox.ts';

/** The review queue as a list: one row per item, this reviewer's state on each, the open one marked. */
export function ItemList(props: {
  items: readonly ReviewSummary[];
  index: number;
  hasMore: boolean;
  loading: boolean;
  error: string | undefined;
  picked: ReadonlySet<number>;
  committed: ReadonlyMap<number, OutboxRecord>;
  held: ReadonlyMap<number, HeldRecord>;
  onOpen(index: number): void;
  onPick(fileId: number): void;
  onAcceptPicked(): void;
  onMore(): void;
}) {
  const { items, picked } = props;
  return (
    <section className="review-list" aria-label="Items to review">
      <div className="list-head">
        <span className="muted">
          {items.length}
          {props.hasMore ? '+' : ''} item{items.length === 1 ? '' : 's'}
        </span>
        {picked.size > 0 ? (
          <button type="button" className="primary small" onClick={props.onAcceptPicked}>
            Accept {picked.size} selected
          </button>
        ) : null}
      </div>
      {props.error ? <p className="bad-text">{props.error}</p> : null}
      <ol>
        {items.map((item, at) => (
          <ItemRow
            key={item.fileId}
            item={item}
            active={at === props.index}
            picked={picked.has(item.fileId)}
            mine={props.committed.get(item.fileId)}
            held={props.held.get(item.fileId)}
            onOpen={() => props.onOpen(at)}
            onPick={() => props.onPick(item.fileId)}
          />
        ))}
      </ol>
      {props.hasMore ? (
        <button type="button" className="ghost more" onClick={props.onMore}>
          Show more
        </button>
      ) : null}
      {items.length === 0 && !props.loading ? (
        <p className="empty">Nothing to review with these filters.</p>
      ) : null}
    </section>
  );
}

function ItemRow(props: {
  item: ReviewSummary;
  active: boolean;
  picked: boolean;
  mine: OutboxRecord | undefined;
  held: HeldRecord | undefined;
  onOpen(): void;
  onPick(): void;
}) {
  const { item, held } = props;
  const ref = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (props.active) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [props.active]);
  const state = props.mine
    ? props.mine.status === 'pending'
      ? 'unsynced'
      : props.mine.status === 'refused'
        ? 'refused'
        : 'done'
    : item.reviewState;
  // A held decision waiting in the outbox is shown on the row until the engine has it.
  const heldPending = held?.status === 'pending' ? `${held.decision} pending · ` : '';
  return (
    <li
      ref={ref}
      className={`review-row${props.active ? ' active' : ''}`}
      data-file-id={item.fileId}
      data-state={state}
      data-held-decision={held ? `${held.decision}:${held.status}` : undefined}
      aria-current={props.active ? 'true' : undefined}
    >
      <input
        type="checkbox"
        checked={props.picked}
        onChange={props.onPick}
        aria-label={`Select ${item.relPath}`}
      />
      <button type="button" className="ghost row-open" onClick={props.onOpen}>
        {item.contentType?.startsWith('image/') ? (
          <img className="thumb" src={`/media/thumb/${item.fileId}`} alt="" loading="lazy" />
        ) : (
          <span className="thumb no-thumb">{(item.contentType ?? 'file').split('/').pop()}</span>
        )}
        <span className="row-text">
          <span className="row-path">{item.relPath}</span>
          <span className="muted">
            {item.held ? 'held · ' : ''}
            {heldPending}
            {item.topLabel ? `${item.topLabel} ${item.topScore?.toFixed(2) ?? ''}` : 'nothing predicted'}
            {item.predictionCount > 1 ? ` +${item.predictionCount - 1}` : ''}
          </span>
        </span>
        <span className={`state-dot s-${heldPending ? 'unsynced' : state}`} title={state} />
      </button>
    </li>
  );
}
