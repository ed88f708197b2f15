import type { FileSummary, QueueChangeMessage } from '../../../shared/contract/index.ts';
import type { FileState } from '../../../shared/status.ts';

/**
 * The loaded part of one queue tab: pages fetched from the engine as the operator scrolls, never the
 * whole queue. Newest first. Pure data, so the list component stays small and this logic is testable.
 */
export interface LoadedList {
  items: FileSummary[];
  nextCursor: string | undefined;
  /** True once the engine said there is nothing older. */
  complete: boolean;
}

export const EMPTY_LIST: LoadedList = { items: [], nextCursor: undefined, complete: false };

/** Appends an older page, dropping ids already shown (a file can move while pages load). */
export function appendPage(
  list: LoadedList,
  page: { items: FileSummary[]; nextCursor?: string },
): LoadedList {
  const seen = new Set(list.items.map((item) => item.id));
  return {
    items: [...list.items, ...page.items.filter((item) => !seen.has(item.id))],
    nextCursor: page.nextCursor,
    complete: page.nextCursor === undefined,
  };
}

/**
 * Puts a fresh first page on top: new files appear, files in it replace their older copies, and the
 * rest of what was loaded stays (it is older than the fresh page).
 */
export function refreshHead(
  list: LoadedList,
  head: { items: FileSummary[]; nextCursor?: string },
): LoadedList {
  if (list.items.length === 0) return appendPage(EMPTY_LIST, head);
  const fresh = new Set(head.items.map((item) => item.id));
  const oldestFresh = head.items.at(-1)?.id ?? Number.POSITIVE_INFINITY;
  const older = list.items.filter((item) => !fresh.has(item.id) && item.id < oldestFresh);
  return { items: [...head.items, ...older], nextCursor: list.nextCursor, complete: list.complete };
}

/** Applies live changes: a file that left the tab's states disappears, one that changed state is updated. */
export function applyChanges(
  list: LoadedList,
  changes: readonly QueueChangeMessage[],
  states: readonly FileState[],
): { list: LoadedList; needsHead: boolean } {
  const shown = new Set(list.items.map((item) => item.id));
  const latest = new Map<number, QueueChangeMessage>();
  let needsHead = false;
  for (const change of changes) {
    if (change.fileId === null || !change.to) continue;
    if (shown.has(change.fileId)) latest.set(change.fileId, change);
    else if (states.includes(change.to)) needsHead = true; // a file entered this tab
  }
  if (latest.size === 0) return { list, needsHead };
  const items: FileSummary[] = [];
  for (const item of list.items) {
    const change = latest.get(item.id);
    if (!change?.to) items.push(item);
    else if (states.includes(change.to)) items.push({ ...item, state: change.to, stateChangedAt: change.at });
  }
  return { list: { ...list, items }, needsHead };
}
