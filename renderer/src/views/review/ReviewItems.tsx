import { useEffect, useMemo, useRef, useState } from 'react';
import { add, normalisedItem, remove, setBox, setLabel } from '../../review/editor.ts';
import type { CorrectedObject } from '../../review/outbox.ts';
import { useOutbox, useOutboxView, useReviewer } from '../../review/use-outbox.ts';
import { type ReviewFilter, useReviewQueue } from '../../review/use-review.ts';
import { useConnection, useEngine } from '../../state/engine-context.ts';
import { ItemList } from './ItemList.tsx';
import { ItemStage } from './ItemStage.tsx';
import { actionFor } from './keymap.ts';
import { ReviewerName } from './ReviewerName.tsx';
import { ReviewFilters } from './ReviewFilters.tsx';
import { Shortcuts } from './Shortcuts.tsx';
import { SidePanel } from './SidePanel.tsx';
import { useReviewSession } from './use-review-session.ts';

const DEFAULT_CLASSES = ['car', 'forklift', 'helmet', 'pallet', 'person'];

/** The file a link asked for: `#/review?file=42` (from a held file in Queues). */
function linkedFileId(): number | undefined {
  const id = Number(new URLSearchParams(window.location.hash.split('?')[1] ?? '').get('file'));
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/** The Items tab: filters, the list, the open item and its side panel; keyboard first. */
export function ReviewItems() {
  const client = useEngine();
  const connection = useConnection();
  const connected = connection.kind === 'connected';
  const outbox = useOutbox();
  const outboxView = useOutboxView(outbox);
  const [reviewer, setReviewer] = useReviewer();
  const [filter, setFilter] = useState<ReviewFilter>({});
  const queue = useReviewQueue(filter, outbox, reviewer);
  const [seenClasses, setSeenClasses] = useState<string[]>([]);
  const classes = useMemo(
    () => (seenClasses.length > 0 ? seenClasses : DEFAULT_CLASSES).slice(0, 9),
    [seenClasses],
  );
  const session = useReviewSession({
    client,
    outbox,
    queue,
    reviewer,
    classes,
    filterKey: JSON.stringify(filter),
    connected,
    openFirst: linkedFileId(),
  });
  const { state, current, detail, store } = session;
  const items = queue.items;

  // Classes: the site's (from the catalog's facets) and any seen, alphabetically so keys stay put.
  useEffect(() => {
    if (!connected) return;
    client
      .request('catalog.facets', { filter: {} })
      .then((facets) =>
        setSeenClasses((known) =>
          merge(
            known,
            facets.labels.map((l) => l.value),
          ),
        ),
      )
      .catch(() => {});
  }, [client, connected]);
  useEffect(() => {
    const labels = items.flatMap((i) => (i.topLabel ? [i.topLabel] : []));
    if (detail) labels.push(...detail.predictions.map((p) => p.label));
    setSeenClasses((known) => merge(known, labels));
  }, [items, detail]);

  // A held decision the engine has applied: the item is no longer held, in the list and when opened.
  const applied = useRef(new Set<string>());
  useEffect(() => {
    for (const record of outboxView.held.values()) {
      if (record.status === 'pending' || !record.answer || applied.current.has(record.id)) continue;
      applied.current.add(record.id);
      const answer = record.answer;
      if (answer.status === 'refused') continue;
      queue.patch(new Map([[record.fileId, { held: false, state: answer.state }]]));
      queue.forget([record.fileId]);
    }
  }, [outboxView.held, queue.patch, queue.forget]);

  // Keyboard first: a press is turned into an action at once and queued behind the ones before it.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, select, textarea, [contenteditable]')) return;
      const s = store.get();
      const busy = session.busy();
      const action = actionFor(event, {
        boxSelected: s.selected !== undefined && s.objects[s.selected]?.box !== undefined,
        tabWalksBoxes: s.objects.length > 0 || busy,
        canDelete: s.selected !== undefined || busy,
      });
      if (!action) return;
      if (action.kind !== 'escape') event.preventDefault();
      session.dispatch(action);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store, session.busy, session.dispatch]);

  if (!reviewer) return <ReviewerName onName={setReviewer} />;

  const size = detail?.imageSize ?? state.naturalSize;
  // Boxes normalised to 0..1 need the picture's size before they can be drawn or edited.
  const editable = detail !== undefined && (!normalisedItem(detail) || size !== undefined);
  const scoreOf = (object: CorrectedObject) => {
    if (object.from === undefined || !detail) return undefined;
    const p = detail.predictions[object.from];
    return p && p.label === object.label ? p.score : undefined;
  };
  const heldRecord = current ? outboxView.held.get(current.fileId) : undefined;

  return (
    <div className="review-body">
      <ReviewFilters
        filter={filter}
        onChange={(f) => {
          setFilter(f);
          session.open(0);
        }}
        classes={classes}
      />
      <div className="review-grid">
        <ItemList
          items={items}
          index={state.index}
          hasMore={queue.hasMore}
          loading={queue.loading}
          error={queue.error}
          picked={state.picked}
          committed={state.committed}
          held={outboxView.held}
          onOpen={session.open}
          onPick={(fileId) => store.set((s) => ({ picked: toggle(s.picked, fileId) }))}
          onAcceptPicked={() => session.dispatch({ kind: 'acceptPicked' })}
          onMore={() => void queue.loadMore()}
        />
        <ItemStage
          fileId={current?.fileId}
          detail={detail ?? undefined}
          prepared={state.shown?.prepared}
          empty={items.length === 0}
          failed={current !== undefined && state.failedFor === current.fileId}
          objects={state.objects}
          classes={classes}
          selected={state.selected}
          size={size}
          editable={editable}
          message={state.message}
          scoreOf={scoreOf}
          onSelect={(selected) => store.set({ selected })}
          onBox={(at, box) => session.editObjects((objects) => setBox(objects, at, box))}
          onAdd={(box) =>
            session.editObjects(
              (objects) => add(objects, store.get().currentClass ?? classes[0] ?? 'object', box),
              (before) => before.length,
            )
          }
          onNaturalSize={(naturalSize) => store.set({ naturalSize })}
        />
        <aside className="review-side" aria-label="Objects and decisions">
          {detail ? (
            <SidePanel
              detail={detail}
              conflict={detail.reviewState === 'conflict' || current?.reviewState === 'conflict'}
              reviewer={reviewer}
              objects={state.objects}
              classes={classes}
              currentClass={state.currentClass}
              selected={state.selected}
              mine={current ? state.committed.get(current.fileId) : undefined}
              held={heldRecord}
              connected={connected}
              refused={outboxView.refused}
              scoreOf={scoreOf}
              onSelect={(selected) => store.set({ selected })}
              onDelete={(at) => session.editObjects((objects) => remove(objects, at))}
              onClass={(label) => {
                session.setClass(label);
                const at = store.get().selected;
                if (at !== undefined) session.editObjects((objects) => setLabel(objects, at, label));
              }}
              onAccept={() => session.dispatch({ kind: 'accept' })}
              onReject={() => session.dispatch({ kind: 'reject' })}
              onUndo={() => session.dispatch({ kind: 'undo' })}
              onHeld={(decision) => session.dispatch({ kind: 'held', decision })}
              onTake={(objects) => session.editObjects(() => objects)}
            />
          ) : null}
          <button type="button" className="ghost" onClick={() => session.dispatch({ kind: 'help' })}>
            Keyboard shortcuts <kbd>?</kbd>
          </button>
          <p className="muted reviewer-line">
            Reviewing as <strong>{reviewer}</strong>{' '}
            <button type="button" className="linkish" onClick={() => setReviewer('')}>
              change
            </button>
          </p>
        </aside>
      </div>
      {state.help ? <Shortcuts onClose={() => store.set({ help: false })} /> : null}
    </div>
  );
}

function merge(known: readonly string[], more: readonly string[]): string[] {
  const all = new Set([...known, ...more]);
  if (all.size === known.length) return known as string[];
  return [...all].sort();
}

function toggle(set: ReadonlySet<number>, id: number): Set<number> {
  const next = new Set(set);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}
