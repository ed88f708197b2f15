import { useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { EngineClient } from '../../contract/client.ts';
import {
  type Box,
  describeObjects,
  fromPredictions,
  type ReviewSummary,
  rejectAll,
  remove,
  setBox,
  setLabel,
} from '../../review/editor.ts';
import type { CorrectedObject, Outbox, OutboxRecord } from '../../review/outbox.ts';
import type { useReviewQueue } from '../../review/use-review.ts';
import { needsItem, type ReviewAction } from './keymap.ts';
import { type SessionState, SessionStore } from './session-store.ts';

const AHEAD = 6;

type Queue = ReturnType<typeof useReviewQueue>;
/** What Z takes back after the edits: the last correction committed or held decision made. */
type Done =
  | { kind: 'correction'; fileId: number; record: OutboxRecord }
  | { kind: 'held'; fileId: number; id: string };

export interface SessionInputs {
  client: EngineClient;
  outbox: Outbox;
  queue: Queue;
  reviewer: string;
  classes: readonly string[];
  filterKey: string;
  connected: boolean;
}

/**
 * The reviewer's session: which item is open, its objects, and every action on it. Actions (keys,
 * clicks, drags) run one after another, in the order they came, each on the item open when it runs,
 * and an action on an item waits until that item is open (prepared ahead, so usually at once). So a
 * key pressed while the next item is still loading, or right after another key, is applied to the
 * item it was meant for: never to the previous one, never dropped. State is read from the store at
 * the moment an action runs, never from a render's closure.
 */
export function useReviewSession(inputs: SessionInputs) {
  const [store] = useState(() => new SessionStore());
  const state = useSyncExternalStore(store.subscribe, store.get);
  const latest = useRef(inputs);
  latest.current = inputs;
  const { queue, outbox, reviewer, client } = inputs;
  const items = queue.items;
  const history = useRef(new Map<number, CorrectedObject[][]>());
  const done = useRef<Done[]>([]);
  /** Items this reviewer has decided (in the outbox): Enter and R go on to the next one still open. */
  const decided = useRef(new Set<number>());
  const running = useRef<Promise<void>>(Promise.resolve());
  const waiting = useRef(0);

  const currentOf = (s: SessionState) => itemAt(latest.current.queue.items, s);
  const detailOf = (s: SessionState) => detailAt(latest.current.queue.items, s);

  // The list changed (React state, not the store's): actions waiting for an item look again.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs because the list changed
  useLayoutEffect(() => store.set({}), [items, store]);

  // The list fetched again (a reconnect) may be in another order: stay on the item being looked at.
  const currentId = useRef<number>(undefined);
  const anchoredItems = useRef<readonly ReviewSummary[]>(undefined);
  useLayoutEffect(() => {
    const id = currentId.current;
    if (anchoredItems.current !== items) {
      anchoredItems.current = items;
      const at = id === undefined ? -1 : items.findIndex((i) => i.fileId === id);
      if (at >= 0 && at !== state.index) {
        store.set({ index: at });
        return;
      }
    }
    currentId.current = items[state.index]?.fileId;
  }, [items, state.index, store]);

  // A new list (first load, a reload, other filters) opens at the first item this reviewer has not decided.
  const positioned = useRef<string>(undefined);
  useEffect(() => {
    const listKey = inputs.filterKey;
    if (positioned.current === listKey || items.length === 0) return;
    positioned.current = listKey;
    void (async () => {
      const mine = decided.current;
      for (const status of ['pending', 'synced', 'refused'] as const)
        for (const r of await outbox.list(status, 10_000))
          if (r.correction.reviewer === reviewer) mine.add(r.fileId);
      const at = items.findIndex((i) => i.reviewState === 'unreviewed' && !mine.has(i.fileId));
      if (at > 0 && waiting.current === 0) store.set({ index: at });
    })();
  }, [items, inputs.filterKey, outbox, reviewer, store]);

  // Opening an item: prepared ahead (detail, outbox records, decoded picture), so usually at once.
  // Keyed on the item's id alone: a list patched or a page appended must not open it again, which
  // would put back the objects as they were when it was prepared and lose edits made since.
  const current = items[state.index];
  const currentFileId = current?.fileId;
  useEffect(() => {
    if (currentFileId === undefined) {
      store.set({ shown: undefined });
      return;
    }
    let live = true;
    const fileId = currentFileId;
    queue
      .prepare(fileId)
      .then((prepared) => {
        if (!live || store.get().shown?.fileId === fileId) return;
        const mine = prepared.mine;
        const draft = mine.find((r) => r.status === 'draft');
        const last = mine.filter((r) => r.status !== 'draft').at(-1);
        const engineMine = prepared.detail?.current.find((c) => c.reviewer === reviewer);
        store.set((s) => ({
          shown: { fileId, prepared },
          selected: undefined,
          naturalSize: undefined,
          draftId: draft?.id,
          objects:
            draft?.correction.objects ??
            last?.correction.objects ??
            engineMine?.objects ??
            (prepared.detail ? fromPredictions(prepared.detail) : []),
          committed: last ? new Map(s.committed).set(fileId, last) : s.committed,
          ...(prepared.detail ? {} : { failedFor: fileId, message: 'This item is no longer in the queue.' }),
        }));
      })
      .catch(
        (error: Error) =>
          live && store.set({ failedFor: fileId, message: `Could not open the item: ${error.message}` }),
      );
    return () => {
      live = false;
    };
  }, [currentFileId, queue.prepare, reviewer, store]);

  // The next items, prepared while this one is looked at
  // (the next still open, where Enter goes, and the neighbours, where the arrows go).
  useEffect(() => {
    const at = state.index;
    const open = items
      .slice(at + 1)
      .filter((i) => i.reviewState !== 'reviewed' && !decided.current.has(i.fileId))
      .slice(0, AHEAD);
    const near = [items[at + 1], items[at - 1]].filter((i) => i !== undefined);
    for (const next of new Set([...open, ...near])) queue.prepare(next.fileId).catch(() => {});
  }, [state.index, items, queue.prepare]);

  // Other reviewers' (and this one's other tabs') corrections: refresh those items.
  useEffect(
    () =>
      client.on('corrections.changed', (change) => {
        queue.forget(change.fileIds);
        queue.patch(new Map(change.states.map((s) => [s.fileId, { reviewState: s.reviewState }])));
        const open = itemAt(latest.current.queue.items, store.get());
        if (open && change.fileIds.includes(open.fileId)) {
          queue
            .prepare(open.fileId, true)
            .then((prepared) =>
              store.set((s) =>
                s.shown?.fileId === open.fileId ? { shown: { fileId: open.fileId, prepared } } : {},
              ),
            )
            .catch(() => {});
        }
      }),
    [client, queue.forget, queue.patch, queue.prepare, store],
  );

  // The next page is fetched before the reviewer reaches the end of the loaded one.
  useEffect(() => {
    if (queue.hasMore && items.length - state.index <= 2 * AHEAD) void queue.loadMore();
  }, [state.index, items.length, queue.hasMore, queue.loadMore]);

  /** Waits until the item at the current index is open: true, or false when it cannot be (or none). */
  const ready = () =>
    store.until(() => {
      const s = store.get();
      const item = currentOf(s);
      if (!item) return latest.current.queue.loading ? undefined : false;
      if (s.shown?.fileId === item.fileId && s.shown.prepared.detail) return true;
      if (s.failedFor === item.fileId) return false;
      return undefined;
    });

  const go = async (to: number) => {
    const { queue } = latest.current;
    if (to < 0) return;
    if (to >= queue.items.length) {
      // Past the loaded page: on to the item once the next page is in.
      if (queue.hasMore && (await queue.loadMore()) > 0) store.set({ index: to, failedFor: undefined });
      return;
    }
    store.set({ index: to, failedFor: undefined });
  };

  const edit = async (next: CorrectedObject[]) => {
    const s = store.get();
    const item = currentOf(s);
    const detail = detailOf(s);
    const { reviewer, outbox } = latest.current;
    if (!item || !detail?.sha256 || !reviewer) return;
    const stack = history.current.get(item.fileId) ?? [];
    stack.push(s.objects);
    history.current.set(item.fileId, stack);
    store.set({ objects: next });
    const size = detail.imageSize ?? s.naturalSize;
    try {
      const record = await outbox.saveDraft({
        ...(s.draftId ? { id: s.draftId } : {}),
        fileId: item.fileId,
        sha256: detail.sha256,
        reviewer,
        objects: next,
        ...(size ? { imageSize: size } : {}),
      });
      if (store.get().shown?.fileId === item.fileId) store.set({ draftId: record.id });
    } catch (error) {
      store.set({ message: `Could not save the change: ${(error as Error).message}` });
    }
  };

  const commit = async (how: 'accept' | 'reject') => {
    const s = store.get();
    const item = currentOf(s);
    const detail = detailOf(s);
    const { reviewer, outbox, queue } = latest.current;
    if (!item || !detail || !reviewer) return;
    if (!detail.sha256) {
      store.set({ message: 'This item has not been inspected yet; it cannot be corrected.' });
      return;
    }
    const final = how === 'reject' ? rejectAll(s.objects) : s.objects;
    const size = detail.imageSize ?? s.naturalSize;
    try {
      const record = await outbox.commit({
        ...(s.draftId ? { id: s.draftId } : {}),
        fileId: item.fileId,
        sha256: detail.sha256,
        reviewer,
        objects: final,
        ...(size ? { imageSize: size } : {}),
      });
      done.current.push({ kind: 'correction', fileId: item.fileId, record });
      history.current.delete(item.fileId);
      queue.forget([item.fileId]);
      decided.current.add(item.fileId);
      store.set((now) => ({
        committed: new Map(now.committed).set(item.fileId, record),
        draftId: undefined,
        message: `${how === 'accept' ? 'Accepted' : 'Rejected'}: ${describeObjects(detail, final)}.`,
      }));
      const open = queue.items.findIndex(
        (i, at) => at > s.index && i.reviewState !== 'reviewed' && !decided.current.has(i.fileId),
      );
      await go(open >= 0 ? open : s.index + 1);
    } catch (error) {
      store.set({ message: `Could not save: ${(error as Error).message}` });
    }
  };

  const undo = async () => {
    const s = store.get();
    const item = currentOf(s);
    const detail = detailOf(s);
    const { reviewer, outbox, queue } = latest.current;
    if (!item) return;
    const stack = history.current.get(item.fileId);
    const previous = stack?.pop();
    if (previous) {
      store.set({ objects: previous });
      if (stack?.length === 0 && s.draftId) {
        await outbox.discardDraft(s.draftId);
        store.set({ draftId: undefined });
      } else if (detail?.sha256) {
        const record = await outbox.saveDraft({
          ...(s.draftId ? { id: s.draftId } : {}),
          fileId: item.fileId,
          sha256: detail.sha256,
          reviewer,
          objects: previous,
        });
        store.set({ draftId: record.id });
      }
      store.set({ message: 'Undone.' });
      return;
    }
    const last = done.current.pop();
    if (!last) return;
    const at = queue.items.findIndex((i) => i.fileId === last.fileId);
    if (last.kind === 'held') {
      const withdrawn = await outbox.withdrawHeld(last.id);
      if (at >= 0) store.set({ index: at });
      store.set({
        message: withdrawn
          ? 'Held decision taken back before it was sent.'
          : 'The held decision has reached the engine already; it cannot be taken back here.',
      });
      return;
    }
    const withdrawn = await outbox.withdraw(last.record.id);
    if (withdrawn) decided.current.delete(last.fileId);
    queue.forget([last.fileId]);
    store.set((now) => {
      const committed = new Map(now.committed);
      committed.delete(last.fileId);
      return { committed, ...(at >= 0 ? { index: at } : {}) };
    });
    store.set({
      message: withdrawn
        ? 'Taken back before it was sent: the item is open again.'
        : 'Already sent to the engine: change the item and press Enter to send a correction that replaces it.',
    });
  };

  const decideHeld = async (decision: 'upload' | 'drop') => {
    const s = store.get();
    const item = currentOf(s);
    const detail = detailOf(s);
    const { reviewer, outbox, connected } = latest.current;
    if (!item || !reviewer) return;
    if (!detail?.held) {
      store.set({ message: 'This item is not held for review: U and D decide held items only.' });
      return;
    }
    try {
      const record = await outbox.decideHeld({ fileId: item.fileId, decision, reviewer });
      done.current.push({ kind: 'held', fileId: item.fileId, id: record.id });
      const verb = decision === 'upload' ? 'Upload' : 'Drop';
      store.set({
        message: connected
          ? `${verb} decided: sending it to the engine…`
          : `${verb} decided: kept here until the engine is back.`,
      });
    } catch (error) {
      store.set({ message: `Could not save the decision: ${(error as Error).message}` });
    }
  };

  const bulkAccept = async () => {
    const { reviewer, outbox, queue } = latest.current;
    const picked = store.get().picked;
    if (!reviewer || picked.size === 0) return;
    let accepted = 0;
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
        done.current.push({ kind: 'correction', fileId, record });
        decided.current.add(fileId);
        queue.forget([fileId]);
        store.set((now) => ({ committed: new Map(now.committed).set(fileId, record) }));
        accepted += 1;
      } catch (error) {
        problems.push(`${fileId}: ${(error as Error).message}`);
      }
    }
    store.set({
      picked: new Set(),
      message: `Accepted ${accepted} item${accepted === 1 ? '' : 's'} as predicted.${problems.length ? ` Not done: ${problems.join('; ')}` : ''}`,
    });
  };

  const apply = async (action: ReviewAction): Promise<void> => {
    if (needsItem(action) && !(await ready())) {
      if (currentOf(store.get()))
        store.set((s) => ({
          message: `Not applied (${action.kind}): ${s.message ?? 'the item could not be opened.'}`,
        }));
      return;
    }
    const s = store.get();
    const box = s.selected !== undefined ? s.objects[s.selected]?.box : undefined;
    switch (action.kind) {
      case 'help':
        return store.set({ help: !s.help });
      case 'escape':
        return store.set({ help: false, selected: undefined });
      case 'class': {
        const label = latest.current.classes[action.slot];
        if (!label) return;
        store.set({ currentClass: label });
        const at = s.selected ?? (s.objects.length > 0 ? 0 : undefined);
        if (at !== undefined && s.objects[at]) await edit(setLabel(s.objects, at, label));
        return;
      }
      case 'accept':
        return commit('accept');
      case 'reject':
        return commit('reject');
      case 'acceptPicked':
        return bulkAccept();
      case 'move':
        return go(s.index + action.by);
      case 'nudge': {
        if (!box || s.selected === undefined) return;
        const next = action.resize
          ? { ...box, w: Math.max(2, box.w + action.dx), h: Math.max(2, box.h + action.dy) }
          : { ...box, x: box.x + action.dx, y: box.y + action.dy };
        return edit(setBox(s.objects, s.selected, next));
      }
      case 'nextBox': {
        const n = s.objects.length;
        if (n === 0) return;
        const from = s.selected;
        return store.set({
          selected: from === undefined ? (action.back ? n - 1 : 0) : (from + (action.back ? n - 1 : 1)) % n,
        });
      }
      case 'deleteBox':
        if (s.selected === undefined) return;
        await edit(remove(s.objects, s.selected));
        return store.set({ selected: undefined });
      case 'undo':
        return undo();
      case 'pick': {
        const item = currentOf(s);
        if (!item) return;
        const picked = new Set(s.picked);
        if (picked.has(item.fileId)) picked.delete(item.fileId);
        else picked.add(item.fileId);
        return store.set({ picked });
      }
      case 'held':
        return decideHeld(action.decision);
    }
  };

  /** Runs work after the work before it: keys, clicks and drags keep their order. */
  const enqueue = (work: () => Promise<void>) => {
    waiting.current += 1;
    running.current = running.current
      .then(work)
      .catch((error: Error) => store.set({ message: `Not done: ${error.message}` }))
      .finally(() => {
        waiting.current -= 1;
      });
  };

  return {
    store,
    state,
    current,
    detail:
      (current && state.shown?.fileId === current.fileId ? state.shown.prepared.detail : undefined) ??
      undefined,
    /** A key's action, applied after the ones before it, on the item open when it runs. */
    dispatch: (action: ReviewAction) => enqueue(() => apply(action)),
    /** Keys pressed ahead of the screen are still queued or running. */
    busy: () => waiting.current > 0,
    /** An edit from the mouse (a drag, a chip, a delete button), queued like a key; `select` picks the box after. */
    editObjects: (
      change: (objects: CorrectedObject[]) => CorrectedObject[],
      select?: (before: CorrectedObject[]) => number | undefined,
    ) =>
      enqueue(async () => {
        if (!(await ready())) return;
        const before = store.get().objects;
        await edit(change(before));
        if (select) store.set({ selected: select(before) });
      }),
    /** Sets the class new boxes get (and the selected box, through editObjects). */
    setClass: (label: string) => store.set({ currentClass: label }),
    open: (index: number) => store.set({ index, failedFor: undefined }),
  };
}

export type ReviewSession = ReturnType<typeof useReviewSession>;

function itemAt(items: readonly ReviewSummary[], s: SessionState): ReviewSummary | undefined {
  return items[s.index];
}

/** The open item's detail, when the item at the index is the one opened. */
function detailAt(items: readonly ReviewSummary[], s: SessionState) {
  const current = itemAt(items, s);
  return current && s.shown?.fileId === current.fileId ? (s.shown.prepared.detail ?? undefined) : undefined;
}
