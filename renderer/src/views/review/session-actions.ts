import {
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
import type { SessionState, SessionStore } from './session-store.ts';

/** What Z takes back after the edits: the last correction committed or held decision made. */
export type Done =
  | { kind: 'correction'; fileId: number; record: OutboxRecord }
  | { kind: 'held'; fileId: number; id: string };

export interface ActionContext {
  store: SessionStore;
  /** The view's latest inputs (read when an action runs, never captured from a render). */
  latest: {
    current: {
      outbox: Outbox;
      queue: ReturnType<typeof useReviewQueue>;
      reviewer: string;
      classes: readonly string[];
      connected: boolean;
    };
  };
  /** Waits until the item at the index is open (false: it cannot be). */
  ready(): Promise<boolean>;
  /** Per item, the objects before each edit (undo). */
  history: Map<number, CorrectedObject[][]>;
  done: Done[];
  /** Items this reviewer has decided: Enter and R go on to the next one still open. */
  decided: Set<number>;
}

/**
 * What the reviewer's actions do: each reads the session from the store when it runs, so it acts on
 * the item open then and the objects as they are then.
 */
export function createActions(context: ActionContext) {
  const { store, latest, ready } = context;
  const history = { current: context.history };
  const done = { current: context.done };
  const decided = { current: context.decided };
  const currentOf = (s: SessionState): ReviewSummary | undefined => latest.current.queue.items[s.index];
  const detailOf = (s: SessionState) => {
    const current = currentOf(s);
    return current && s.shown?.fileId === current.fileId ? (s.shown.prepared.detail ?? undefined) : undefined;
  };

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

  return { go, edit, apply };
}
