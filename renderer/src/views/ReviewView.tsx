import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { imagePath } from '../../../shared/contract/index.ts';
import { type TextPreviewAnswer, textPath } from '../../../shared/contract/media.ts';
import { formatTime } from '../components/format.ts';
import { AgreementChart } from '../review/AgreementChart.tsx';
import {
  add,
  type Box,
  describeObjects,
  fromPredictions,
  normalisedItem,
  type ReviewDetail,
  type ReviewSummary,
  rejectAll,
  remove,
  sameObjects,
  setBox,
  setLabel,
} from '../review/editor.ts';
import { classColour, ImageStage } from '../review/ImageStage.tsx';
import type { CorrectedObject, OutboxRecord } from '../review/outbox.ts';
import { useOutbox, useOutboxView, useReviewer } from '../review/use-outbox.ts';
import { type Prepared, type ReviewFilter, useReviewQueue } from '../review/use-review.ts';
import { useConnection, useEngine } from '../state/engine-context.ts';
import '../review/review.css';

const AHEAD = 6;
const DEFAULT_CLASSES = ['car', 'forklift', 'helmet', 'pallet', 'person'];

type Shown = { fileId: number; prepared: Prepared } | undefined;

const SHORTCUTS: [string, string][] = [
  ['1 … 9', 'pick a class (the selected box gets it; new boxes are drawn in it)'],
  ['Enter', 'accept the item as it is now and go on'],
  ['R', 'reject the model’s objects (your added boxes stay) and go on'],
  ['↓ / →, ↑ / ←', 'next / previous item'],
  ['Tab', 'select the next box'],
  ['Delete', 'delete the selected box'],
  ['Shift + arrows', 'move the selected box (Alt: resize)'],
  ['Z', 'undo (the last edit, then the last accept/reject)'],
  ['X', 'add the item to the selection; Shift+Enter accepts the selection'],
  ['U / D', 'held item: upload / drop'],
  ['?', 'show or hide these shortcuts'],
  ['drag', 'on the picture: draw a box; on a box: move it; on a corner: resize it'],
];

/** Reviewing the model's predictions: keyboard first, every change saved at once in the outbox. */
export function ReviewView() {
  const [tab, setTab] = useState<'items' | 'agreement'>('items');
  return (
    <main className="view review" aria-labelledby="review-title">
      <header className="view-head">
        <h2 id="review-title">Review</h2>
        <div className="tabs small" role="tablist">
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'items'}
            className={tab === 'items' ? 'tab active' : 'tab'}
            onClick={() => setTab('items')}
          >
            Items
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'agreement'}
            className={tab === 'agreement' ? 'tab active' : 'tab'}
            onClick={() => setTab('agreement')}
          >
            Agreement
          </button>
        </div>
        <SyncBadge />
      </header>
      {tab === 'items' ? <ReviewItems /> : <AgreementChart />}
    </main>
  );
}

function SyncBadge() {
  const outbox = useOutbox();
  const view = useOutboxView(outbox);
  const connection = useConnection();
  const { unsynced, refused } = view.counts;
  const tone = refused > 0 ? 'bad' : unsynced > 0 ? 'attention' : 'good';
  const words =
    unsynced === 0
      ? 'All corrections synced'
      : `${unsynced} correction${unsynced === 1 ? '' : 's'} not synced yet${
          connection.kind === 'connected' ? '' : ' (kept here until the engine is back)'
        }`;
  return (
    <span className={`sync-badge tone-${tone}`} data-unsynced={unsynced} role="status">
      {words}
      {refused > 0 ? ` · ${refused} refused` : ''}
    </span>
  );
}

function ReviewItems() {
  const client = useEngine();
  const connection = useConnection();
  const outbox = useOutbox();
  const outboxView = useOutboxView(outbox);
  const [reviewer, setReviewer] = useReviewer();
  const [filter, setFilter] = useState<ReviewFilter>({});
  const queue = useReviewQueue(filter, outbox, reviewer);
  const [index, setIndex] = useState(0);
  const [shown, setShown] = useState<Shown>();
  const [objects, setObjects] = useState<CorrectedObject[]>([]);
  const [draftId, setDraftId] = useState<string>();
  const [selected, setSelected] = useState<number>();
  const [currentClass, setCurrentClass] = useState<string>();
  const [help, setHelp] = useState(false);
  const [message, setMessage] = useState<string>();
  const [picked, setPicked] = useState<ReadonlySet<number>>(new Set());
  const [naturalSize, setNaturalSize] = useState<{ width: number; height: number }>();
  const [seenClasses, setSeenClasses] = useState<string[]>([]);
  const history = useRef(new Map<number, CorrectedObject[][]>());
  const commits = useRef<{ fileId: number; record: OutboxRecord }[]>([]);
  const [committed, setCommitted] = useState<ReadonlyMap<number, OutboxRecord>>(new Map());

  const items = queue.items;
  const current: ReviewSummary | undefined = items[index];
  const detail = shown?.fileId === current?.fileId ? shown?.prepared.detail : undefined;

  // Classes: the site's (from the catalog's facets) and any seen, alphabetically so keys stay put.
  useEffect(() => {
    if (connection.kind !== 'connected') return;
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
  }, [client, connection.kind]);
  useEffect(() => {
    const labels = items.flatMap((i) => (i.topLabel ? [i.topLabel] : []));
    if (detail) labels.push(...detail.predictions.map((p) => p.label));
    setSeenClasses((known) => merge(known, labels));
  }, [items, detail]);
  const classes = useMemo(
    () => (seenClasses.length > 0 ? seenClasses : DEFAULT_CLASSES).slice(0, 9),
    [seenClasses],
  );

  // The list fetched again (a reconnect) may be in another order: stay on the item being looked at.
  const currentId = useRef<number>(undefined);
  const anchoredItems = useRef<readonly ReviewSummary[]>(undefined);
  useEffect(() => {
    const id = currentId.current;
    if (anchoredItems.current !== items) {
      anchoredItems.current = items;
      const at = id === undefined ? -1 : items.findIndex((i) => i.fileId === id);
      if (at >= 0 && at !== index) {
        setIndex(at);
        return;
      }
    }
    currentId.current = items[index]?.fileId;
  }, [items, index]);

  // A new list (first load, a reload, other filters) opens at the first item this reviewer has not decided.
  const positioned = useRef<string>(undefined);
  /** Items this reviewer has decided (in the outbox): Enter and R go on to the next one still open. */
  const decided = useRef(new Set<number>());
  useEffect(() => {
    const listKey = JSON.stringify(filter);
    if (positioned.current === listKey || items.length === 0) return;
    positioned.current = listKey;
    void (async () => {
      const mine = decided.current;
      for (const status of ['pending', 'synced', 'refused'] as const)
        for (const r of await outbox.list(status, 10_000))
          if (r.correction.reviewer === reviewer) mine.add(r.fileId);
      const at = items.findIndex((i) => i.reviewState === 'unreviewed' && !mine.has(i.fileId));
      if (at > 0) setIndex(at);
    })();
  }, [items, filter, outbox, reviewer]);

  // Opening an item: prepared ahead (detail, outbox records, decoded picture), so usually at once.
  useEffect(() => {
    if (!current) {
      setShown(undefined);
      return;
    }
    let live = true;
    const fileId = current.fileId;
    queue
      .prepare(fileId)
      .then((prepared) => {
        if (!live) return;
        setShown({ fileId, prepared });
        setSelected(undefined);
        setNaturalSize(undefined);
        const mine = prepared.mine;
        const draft = mine.find((r) => r.status === 'draft');
        const last = mine.filter((r) => r.status !== 'draft').at(-1);
        const engineMine = prepared.detail?.current.find((c) => c.reviewer === reviewer);
        setDraftId(draft?.id);
        setObjects(
          draft?.correction.objects ??
            last?.correction.objects ??
            engineMine?.objects ??
            (prepared.detail ? fromPredictions(prepared.detail) : []),
        );
        if (last) setCommitted((map) => new Map(map).set(fileId, last));
      })
      .catch((error: Error) => live && setMessage(`Could not open the item: ${error.message}`));
    // The next items, prepared while this one is looked at.
    // (the next still open, where Enter goes, and the neighbours, where the arrows go).
    const open = items
      .slice(index + 1)
      .filter((i) => i.reviewState !== 'reviewed' && !decided.current.has(i.fileId))
      .slice(0, AHEAD);
    const near = [items[index + 1], items[index - 1]].filter((i) => i !== undefined);
    for (const next of new Set([...open, ...near])) queue.prepare(next.fileId).catch(() => {});
    return () => {
      live = false;
    };
  }, [current, index, items, queue.prepare, reviewer]);

  // Other reviewers' (and this one's other tabs') corrections: refresh those items.
  useEffect(
    () =>
      client.on('corrections.changed', (change) => {
        queue.forget(change.fileIds);
        queue.patch(new Map(change.states.map((s) => [s.fileId, { reviewState: s.reviewState }])));
        if (current && change.fileIds.includes(current.fileId)) {
          queue
            .prepare(current.fileId, true)
            .then((prepared) =>
              setShown((s) => (s?.fileId === current.fileId ? { fileId: current.fileId, prepared } : s)),
            )
            .catch(() => {});
        }
      }),
    [client, current, queue.forget, queue.patch, queue.prepare],
  );

  const size = detail?.imageSize ?? naturalSize;
  // Boxes normalised to 0..1 need the picture's size before they can be drawn or edited.
  const editable = detail && (!normalisedItem(detail) || size !== undefined);

  const edit = useCallback(
    (next: CorrectedObject[]) => {
      if (!current || !detail?.sha256 || !reviewer) return;
      const stack = history.current.get(current.fileId) ?? [];
      stack.push(objects);
      history.current.set(current.fileId, stack);
      setObjects(next);
      outbox
        .saveDraft({
          ...(draftId ? { id: draftId } : {}),
          fileId: current.fileId,
          sha256: detail.sha256,
          reviewer,
          objects: next,
          ...(size ? { imageSize: size } : {}),
        })
        .then((record) => setDraftId(record.id))
        .catch((error: Error) => setMessage(`Could not save the change: ${error.message}`));
    },
    [current, detail, draftId, objects, outbox, reviewer, size],
  );

  const go = useCallback(
    (to: number) => {
      if (to < 0) return;
      if (to >= items.length) {
        // Past the loaded page: on to the item once the next page is in.
        if (queue.hasMore) void queue.loadMore().then((added) => added > 0 && setIndex(to));
        return;
      }
      setIndex(to);
    },
    [items.length, queue],
  );

  // The next page is fetched before the reviewer reaches the end of the loaded one.
  useEffect(() => {
    if (queue.hasMore && items.length - index <= 2 * AHEAD) void queue.loadMore();
  }, [index, items.length, queue.hasMore, queue.loadMore]);

  const commit = useCallback(
    async (how: 'accept' | 'reject') => {
      if (!current || !detail || !reviewer) return;
      if (!detail.sha256) {
        setMessage('This item has not been inspected yet; it cannot be corrected.');
        return;
      }
      const final = how === 'reject' ? rejectAll(objects) : objects;
      try {
        const record = await outbox.commit({
          ...(draftId ? { id: draftId } : {}),
          fileId: current.fileId,
          sha256: detail.sha256,
          reviewer,
          objects: final,
          ...(size ? { imageSize: size } : {}),
        });
        commits.current.push({ fileId: current.fileId, record });
        history.current.delete(current.fileId);
        queue.forget([current.fileId]);
        setCommitted((map) => new Map(map).set(current.fileId, record));
        setDraftId(undefined);
        setMessage(`${how === 'accept' ? 'Accepted' : 'Rejected'}: ${describeObjects(detail, final)}.`);
        decided.current.add(current.fileId);
        const open = items.findIndex(
          (i, at) => at > index && i.reviewState !== 'reviewed' && !decided.current.has(i.fileId),
        );
        go(open >= 0 ? open : index + 1);
      } catch (error) {
        setMessage(`Could not save: ${(error as Error).message}`);
      }
    },
    [current, detail, draftId, go, index, items, objects, outbox, queue, reviewer, size],
  );

  const undo = useCallback(async () => {
    if (!current) return;
    const stack = history.current.get(current.fileId);
    const previous = stack?.pop();
    if (previous) {
      setObjects(previous);
      if (stack?.length === 0 && draftId) {
        await outbox.discardDraft(draftId);
        setDraftId(undefined);
      } else if (detail?.sha256) {
        const record = await outbox.saveDraft({
          ...(draftId ? { id: draftId } : {}),
          fileId: current.fileId,
          sha256: detail.sha256,
          reviewer,
          objects: previous,
        });
        setDraftId(record.id);
      }
      setMessage('Undone.');
      return;
    }
    const last = commits.current.pop();
    if (!last) return;
    const withdrawn = await outbox.withdraw(last.record.id);
    if (withdrawn) decided.current.delete(last.fileId);
    queue.forget([last.fileId]);
    setCommitted((map) => {
      const next = new Map(map);
      next.delete(last.fileId);
      return next;
    });
    const at = items.findIndex((i) => i.fileId === last.fileId);
    if (at >= 0) setIndex(at);
    setMessage(
      withdrawn
        ? 'Taken back before it was sent: the item is open again.'
        : 'Already sent to the engine: change the item and press Enter to send a correction that replaces it.',
    );
  }, [current, detail, draftId, items, outbox, queue, reviewer]);

  const decideHeld = useCallback(
    async (decision: 'upload' | 'drop') => {
      if (!current?.held || !reviewer) return;
      try {
        const outcome = await client.request('review.decideHeld', {
          fileId: current.fileId,
          decision,
          reviewer,
        });
        if (outcome.status === 'refused') setMessage(`Not done: ${outcome.why}`);
        else {
          setMessage(
            decision === 'upload'
              ? `Queued for upload${outcome.objectKey ? ` as ${outcome.objectKey}` : ''}.`
              : 'Dropped: it will not be uploaded.',
          );
          queue.patch(new Map([[current.fileId, { held: false, state: outcome.state }]]));
          queue.forget([current.fileId]);
        }
      } catch (error) {
        setMessage(`Not done: ${(error as Error).message}`);
      }
    },
    [client, current, queue, reviewer],
  );

  const bulkAccept = useCallback(async () => {
    if (!reviewer || picked.size === 0) return;
    let done = 0;
    const problems: string[] = [];
    for (const fileId of picked) {
      try {
        const prepared = await queue.prepare(fileId);
        if (!prepared.detail?.sha256) continue;
        const record = await outbox.commit({
          fileId,
          sha256: prepared.detail.sha256,
          reviewer,
          objects: fromPredictions(prepared.detail),
          ...(prepared.detail.imageSize ? { imageSize: prepared.detail.imageSize } : {}),
        });
        commits.current.push({ fileId, record });
        decided.current.add(fileId);
        queue.forget([fileId]);
        setCommitted((map) => new Map(map).set(fileId, record));
        done += 1;
      } catch (error) {
        problems.push(`${fileId}: ${(error as Error).message}`);
      }
    }
    setPicked(new Set());
    setMessage(
      `Accepted ${done} item${done === 1 ? '' : 's'} as predicted.${problems.length ? ` Not done: ${problems.join('; ')}` : ''}`,
    );
  }, [outbox, picked, queue, reviewer]);

  // Keyboard first.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, select, textarea, [contenteditable]')) return;
      if (event.ctrlKey || event.metaKey) return;
      if (event.altKey && !event.shiftKey) return; // Alt+digit: the app's views
      const key = event.key;
      const box = selected !== undefined ? objects[selected]?.box : undefined;
      const handled = () => event.preventDefault();
      if (key === '?') {
        handled();
        setHelp((h) => !h);
        return;
      }
      if (key === 'Escape') {
        setHelp(false);
        setSelected(undefined);
        return;
      }
      if (/^[1-9]$/.test(key) && !event.shiftKey) {
        const label = classes[Number(key) - 1];
        if (!label) return;
        handled();
        setCurrentClass(label);
        const at = selected ?? (objects.length > 0 ? 0 : undefined);
        if (at !== undefined && objects[at]) edit(setLabel(objects, at, label));
        return;
      }
      if (key === 'Enter') {
        handled();
        if (event.shiftKey) void bulkAccept();
        else void commit('accept');
        return;
      }
      if (event.shiftKey && box && selected !== undefined && key.startsWith('Arrow')) {
        handled();
        const step = 4;
        const dx = key === 'ArrowLeft' ? -step : key === 'ArrowRight' ? step : 0;
        const dy = key === 'ArrowUp' ? -step : key === 'ArrowDown' ? step : 0;
        const next = event.altKey
          ? { ...box, w: Math.max(2, box.w + dx), h: Math.max(2, box.h + dy) }
          : { ...box, x: box.x + dx, y: box.y + dy };
        edit(setBox(objects, selected, next));
        return;
      }
      if (key === 'ArrowDown' || key === 'ArrowRight') {
        handled();
        go(index + 1);
        return;
      }
      if (key === 'ArrowUp' || key === 'ArrowLeft') {
        handled();
        go(index - 1);
        return;
      }
      if (key === 'Tab' && objects.length > 0) {
        handled();
        setSelected((s) =>
          s === undefined
            ? event.shiftKey
              ? objects.length - 1
              : 0
            : (s + (event.shiftKey ? objects.length - 1 : 1)) % objects.length,
        );
        return;
      }
      if ((key === 'Delete' || key === 'Backspace') && selected !== undefined) {
        handled();
        edit(remove(objects, selected));
        setSelected(undefined);
        return;
      }
      const lower = key.toLowerCase();
      if (lower === 'r') {
        handled();
        void commit('reject');
      } else if (lower === 'z') {
        handled();
        void undo();
      } else if (lower === 'x' && current) {
        handled();
        setPicked((set) => toggle(set, current.fileId));
      } else if (lower === 'u' && current?.held) {
        handled();
        void decideHeld('upload');
      } else if (lower === 'd' && current?.held) {
        handled();
        void decideHeld('drop');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  if (!reviewer) return <ReviewerName onName={setReviewer} />;

  const mineCommitted = current ? committed.get(current.fileId) : undefined;
  const others = detail?.current.filter((c) => c.reviewer !== reviewer) ?? [];
  const conflict = detail?.reviewState === 'conflict' || current?.reviewState === 'conflict';
  const scoreOf = (object: CorrectedObject) => {
    if (object.from === undefined || !detail) return undefined;
    const p = detail.predictions[object.from];
    return p && p.label === object.label ? p.score : undefined;
  };

  return (
    <div className="review-body">
      <ReviewFilters
        filter={filter}
        onChange={(f) => {
          setFilter(f);
          setIndex(0);
        }}
        classes={classes}
      />
      <div className="review-grid">
        <section className="review-list" aria-label="Items to review">
          <div className="list-head">
            <span className="muted">
              {items.length}
              {queue.hasMore ? '+' : ''} item{items.length === 1 ? '' : 's'}
            </span>
            {picked.size > 0 ? (
              <button type="button" className="primary small" onClick={() => void bulkAccept()}>
                Accept {picked.size} selected
              </button>
            ) : null}
          </div>
          {queue.error ? <p className="bad-text">{queue.error}</p> : null}
          <ol>
            {items.map((item, at) => (
              <ItemRow
                key={item.fileId}
                item={item}
                active={at === index}
                picked={picked.has(item.fileId)}
                mine={committed.get(item.fileId)}
                onOpen={() => setIndex(at)}
                onPick={() => setPicked((set) => toggle(set, item.fileId))}
              />
            ))}
          </ol>
          {queue.hasMore ? (
            <button type="button" className="ghost more" onClick={() => void queue.loadMore()}>
              Show more
            </button>
          ) : null}
          {items.length === 0 && !queue.loading ? (
            <p className="empty">Nothing to review with these filters.</p>
          ) : null}
        </section>
        <section
          className="review-stage"
          aria-label="The item"
          data-file-id={current && detail ? current.fileId : undefined}
        >
          {current && detail ? (
            <>
              <div className="item-head">
                <strong className="path" title={detail.absPath}>
                  {detail.relPath}
                </strong>
                <span className={`state-chip review-${detail.reviewState}`}>{detail.reviewState}</span>
                {detail.held ? <span className="state-chip held">held for review</span> : null}
                <span className="muted">
                  {detail.modelVersion ?? 'no model version'} · {formatTime(detail.discoveredAt)}
                </span>
              </div>
              {detail.contentType?.startsWith('image/') ? (
                size && editable ? (
                  shown?.prepared.pictureError ? (
                    <p className="bad-text">The picture cannot be shown: {shown.prepared.pictureError}</p>
                  ) : (
                    <ImageStage
                      src={shown?.prepared.picture ?? imagePath(current.fileId)}
                      size={size}
                      objects={objects}
                      scoreOf={scoreOf}
                      classes={classes}
                      selected={selected}
                      onSelect={setSelected}
                      onBox={(at, b: Box) => edit(setBox(objects, at, b))}
                      onAdd={(b) => {
                        edit(add(objects, currentClass ?? classes[0] ?? 'object', b));
                        setSelected(objects.length);
                      }}
                      onLoaded={(natural) => !detail.imageSize && setNaturalSize(natural)}
                    />
                  )
                ) : (
                  // The size comes from the picture itself: load it once, hidden.
                  <img
                    className="sizer"
                    alt=""
                    src={shown?.prepared.picture ?? imagePath(current.fileId)}
                    onLoad={(e) =>
                      setNaturalSize({
                        width: e.currentTarget.naturalWidth,
                        height: e.currentTarget.naturalHeight,
                      })
                    }
                  />
                )
              ) : (
                <DataPreview fileId={current.fileId} detail={detail} />
              )}
              {message ? (
                <p className="review-message" role="status">
                  {message}
                </p>
              ) : null}
            </>
          ) : (
            <p className="empty">{items.length === 0 ? '' : 'Loading…'}</p>
          )}
        </section>
        <aside className="review-side" aria-label="Objects and decisions">
          {detail ? (
            <>
              <h3>Objects</h3>
              <ol className="objects">
                {objects.map((object, at) => (
                  <li
                    // biome-ignore lint/suspicious/noArrayIndexKey: objects have no identity but their place
                    key={at}
                    className={at === selected ? 'selected' : undefined}
                  >
                    <button type="button" className="ghost swatch-button" onClick={() => setSelected(at)}>
                      <span className="swatch" style={{ background: classColour(object.label, classes) }} />
                      {object.label}
                      {scoreOf(object) !== undefined ? (
                        <span className="muted"> {scoreOf(object)?.toFixed(2)}</span>
                      ) : null}
                      {object.from === undefined ? <span className="muted"> added</span> : null}
                      {object.from !== undefined &&
                      detail.predictions[object.from]?.label !== object.label ? (
                        <span className="muted"> was {detail.predictions[object.from]?.label}</span>
                      ) : null}
                    </button>
                    <button
                      type="button"
                      className="ghost"
                      aria-label={`Delete ${object.label}`}
                      onClick={() => edit(remove(objects, at))}
                    >
                      ×
                    </button>
                  </li>
                ))}
                {objects.length === 0 ? <li className="muted">No objects.</li> : null}
              </ol>
              <fieldset className="class-keys">
                <legend className="sr-only">Classes</legend>
                {classes.map((label, at) => (
                  <button
                    key={label}
                    type="button"
                    className={`chip${label === currentClass ? ' on' : ''}`}
                    onClick={() => {
                      setCurrentClass(label);
                      if (selected !== undefined) edit(setLabel(objects, selected, label));
                    }}
                  >
                    <kbd>{at + 1}</kbd> {label}
                  </button>
                ))}
              </fieldset>
              <div className="decide">
                <button type="button" className="primary" onClick={() => void commit('accept')}>
                  Accept <kbd>Enter</kbd>
                </button>
                <button type="button" onClick={() => void commit('reject')}>
                  Reject <kbd>R</kbd>
                </button>
                <button type="button" onClick={() => void undo()}>
                  Undo <kbd>Z</kbd>
                </button>
              </div>
              {detail.held ? (
                <div className="held-box">
                  <p>Held for review{detail.reason ? `: ${detail.reason}` : ''}.</p>
                  <button
                    type="button"
                    onClick={() => void decideHeld('upload')}
                    disabled={connection.kind !== 'connected'}
                  >
                    Upload <kbd>U</kbd>
                  </button>
                  <button
                    type="button"
                    onClick={() => void decideHeld('drop')}
                    disabled={connection.kind !== 'connected'}
                  >
                    Drop <kbd>D</kbd>
                  </button>
                </div>
              ) : null}
              {mineCommitted ? (
                <p className="mine" data-status={mineCommitted.status}>
                  Your correction ({describeObjects(detail, mineCommitted.correction.objects)}):{' '}
                  {statusWords(mineCommitted)}
                </p>
              ) : null}
              {sameObjects(objects, mineCommitted?.correction.objects ?? []) || !mineCommitted ? null : (
                <p className="muted">Edited since: Enter sends a correction that replaces it.</p>
              )}
              {conflict || others.length > 0 ? (
                <div className={`others${conflict ? ' conflict' : ''}`}>
                  <h3>{conflict ? 'Reviewers disagree' : 'Other reviewers'}</h3>
                  {detail.current.map((c) => (
                    <div key={c.id} className="other">
                      <strong>{c.reviewer}</strong> <span className="muted">{formatTime(c.createdAt)}</span>
                      <div>{c.objects.map((o) => o.label).join(', ') || 'nothing there'}</div>
                      {c.reviewer !== reviewer ? (
                        <button type="button" className="ghost small" onClick={() => edit(c.objects)}>
                          Take {c.reviewer}’s version
                        </button>
                      ) : null}
                    </div>
                  ))}
                </div>
              ) : null}
              {outboxView.refused.length > 0 ? (
                <div className="refused">
                  <h3>Refused by the engine</h3>
                  {outboxView.refused.slice(0, 5).map((r) => (
                    <p key={r.id}>
                      Item {r.fileId}: {r.why}
                    </p>
                  ))}
                </div>
              ) : null}
            </>
          ) : null}
          <button type="button" className="ghost" onClick={() => setHelp((h) => !h)}>
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
      {help ? <Shortcuts onClose={() => setHelp(false)} /> : null}
    </div>
  );
}

function statusWords(record: OutboxRecord): string {
  if (record.status === 'pending') return 'not synced yet';
  if (record.status === 'refused') return `refused: ${record.why ?? ''}`;
  if (record.status === 'synced') return 'synced';
  return 'draft';
}

function ItemRow(props: {
  item: ReviewSummary;
  active: boolean;
  picked: boolean;
  mine: OutboxRecord | undefined;
  onOpen(): void;
  onPick(): void;
}) {
  const { item } = props;
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
  return (
    <li
      ref={ref}
      className={`review-row${props.active ? ' active' : ''}`}
      data-file-id={item.fileId}
      data-state={state}
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
            {item.topLabel ? `${item.topLabel} ${item.topScore?.toFixed(2) ?? ''}` : 'nothing predicted'}
            {item.predictionCount > 1 ? ` +${item.predictionCount - 1}` : ''}
          </span>
        </span>
        <span className={`state-dot s-${state}`} title={state} />
      </button>
    </li>
  );
}

function DataPreview({ fileId, detail }: { fileId: number; detail: ReviewDetail }) {
  return (
    <div className="data-preview">
      <p>
        <strong>{detail.contentType ?? 'unknown type'}</strong> · {detail.size.toLocaleString('en-GB')} bytes
      </p>
      {detail.reason ? <p className="muted">{detail.reason}</p> : null}
      <div className="data-preview-body">
        <TextContent fileId={fileId} />
        <table className="predicted-labels">
          <thead>
            <tr>
              <th>Predicted label</th>
              <th>Score</th>
            </tr>
          </thead>
          <tbody>
            {detail.predictions.map((p, at) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: predictions are ordered
              <tr key={at}>
                <td>{p.label}</td>
                <td>{p.score.toFixed(2)}</td>
              </tr>
            ))}
            {detail.predictions.length === 0 ? (
              <tr>
                <td colSpan={2}>The model saw nothing here.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </div>
  );
}

type TextState =
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'shown'; answer: TextPreviewAnswer };

/**
 * The capture's first 64 KiB from the engine (GET /media/text/:id): a table for CSV, otherwise a
 * `<pre>`. Always rendered as text (React escapes it); markup in a capture is never interpreted.
 */
function TextContent({ fileId }: { fileId: number }) {
  const [state, setState] = useState<TextState>({ kind: 'loading' });
  useEffect(() => {
    const abort = new AbortController();
    setState({ kind: 'loading' });
    void (async () => {
      try {
        const response = await fetch(textPath(fileId), { signal: abort.signal, cache: 'no-store' });
        if (!response.ok) {
          const reason = (await response.text()).trim();
          setState({ kind: 'failed', message: reason || `The engine answered ${response.status}.` });
          return;
        }
        setState({ kind: 'shown', answer: (await response.json()) as TextPreviewAnswer });
      } catch (error) {
        if (!abort.signal.aborted) setState({ kind: 'failed', message: (error as Error).message });
      }
    })();
    return () => abort.abort();
  }, [fileId]);
  if (state.kind === 'loading') return <p className="text-preview muted">Loading the content…</p>;
  if (state.kind === 'failed') {
    return <p className="text-preview muted">The content cannot be shown: {state.message}</p>;
  }
  const { answer } = state;
  const note = answer.truncated ? (
    <p className="muted truncated-note">Only the first 64 KiB are shown.</p>
  ) : null;
  if (answer.rows && answer.rows.length > 0) {
    const [head, ...body] = answer.rows;
    return (
      <div className="text-preview">
        <div className="text-scroll">
          <table className="csv-table">
            <thead>
              <tr>
                {head!.map((cell, at) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: columns are ordered
                  <th key={at}>{cell}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {body.map((row, r) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are ordered and fixed
                <tr key={r}>
                  {row.map((cell, at) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: cells are ordered
                    <td key={at}>{cell}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {note}
        {answer.rows.length >= 200 ? <p className="muted truncated-note">The first 200 rows.</p> : null}
      </div>
    );
  }
  return (
    <div className="text-preview">
      <pre className="text-scroll">{answer.text}</pre>
      {note}
    </div>
  );
}

function ReviewFilters(props: {
  filter: ReviewFilter;
  classes: readonly string[];
  onChange(f: ReviewFilter): void;
}) {
  const { filter } = props;
  const set = (patch: Partial<ReviewFilter>) => {
    const next: Record<string, unknown> = { ...filter, ...patch };
    for (const [k, value] of Object.entries(next)) if (value === undefined || value === '') delete next[k];
    props.onChange(next as ReviewFilter);
  };
  const num = (text: string) => (text === '' ? undefined : Number(text));
  const time = (text: string) => (text === '' ? undefined : new Date(text).getTime());
  return (
    <form className="review-filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
      <label>
        Class
        <select value={filter.label ?? ''} onChange={(e) => set({ label: e.target.value || undefined })}>
          <option value="">any</option>
          {props.classes.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      <label>
        Score
        <input
          type="number"
          min={0}
          max={1}
          step={0.05}
          placeholder="from"
          value={filter.minScore ?? ''}
          onChange={(e) => set({ minScore: num(e.target.value) })}
        />
        <input
          type="number"
          min={0}
          max={1}
          step={0.05}
          placeholder="to"
          value={filter.maxScore ?? ''}
          onChange={(e) => set({ maxScore: num(e.target.value) })}
        />
      </label>
      <label>
        Rule
        <input
          value={filter.rule ?? ''}
          size={10}
          onChange={(e) => set({ rule: e.target.value || undefined })}
        />
      </label>
      <label>
        Folder
        <input
          value={filter.folderId ?? ''}
          size={10}
          onChange={(e) => set({ folderId: e.target.value || undefined })}
        />
      </label>
      <label>
        Since
        <input type="datetime-local" onChange={(e) => set({ from: time(e.target.value) })} />
      </label>
      <label>
        Until
        <input type="datetime-local" onChange={(e) => set({ to: time(e.target.value) })} />
      </label>
      <label>
        State
        <select
          value={filter.reviewStates?.[0] ?? ''}
          onChange={(e) =>
            set({
              reviewStates: e.target.value
                ? [e.target.value as NonNullable<ReviewFilter['reviewStates']>[number]]
                : undefined,
            })
          }
        >
          <option value="">any</option>
          <option value="unreviewed">not reviewed</option>
          <option value="reviewed">reviewed</option>
          <option value="conflict">in conflict</option>
        </select>
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={filter.heldOnly ?? false}
          onChange={(e) => set({ heldOnly: e.target.checked || undefined })}
        />
        Held only
      </label>
    </form>
  );
}

function ReviewerName({ onName }: { onName(name: string): void }) {
  const [name, setName] = useState('');
  return (
    <form
      className="reviewer-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (name.trim()) onName(name.trim());
      }}
    >
      <label>
        Your name (recorded with each correction)
        <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
      </label>
      <button type="submit" className="primary">
        Start reviewing
      </button>
    </form>
  );
}

function Shortcuts({ onClose }: { onClose(): void }) {
  return (
    <div className="shortcuts" role="dialog" aria-label="Keyboard shortcuts">
      <h3>Keyboard shortcuts</h3>
      <dl>
        {SHORTCUTS.map(([key, what]) => (
          <div key={key}>
            <dt>
              <kbd>{key}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <button type="button" onClick={onClose}>
        Close <kbd>Esc</kbd>
      </button>
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
