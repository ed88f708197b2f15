/**
 * The Review view's keyboard, as a table: each binding turns a key press into an action, and the
 * shortcuts overlay is written from the same rows. Pure (no DOM, no React), so a press is decided
 * the moment it happens; applying the action is the session's job (it queues it behind the ones
 * before it, on the item shown then).
 */
export type HeldChoice = 'upload' | 'drop';

export type ReviewAction =
  | { kind: 'help' }
  | { kind: 'escape' }
  | { kind: 'class'; slot: number }
  | { kind: 'accept' }
  | { kind: 'acceptPicked' }
  | { kind: 'reject' }
  | { kind: 'move'; by: 1 | -1 }
  | { kind: 'nudge'; dx: number; dy: number; resize: boolean }
  | { kind: 'nextBox'; back: boolean }
  | { kind: 'deleteBox' }
  | { kind: 'undo' }
  | { kind: 'pick' }
  | { kind: 'held'; decision: HeldChoice };

/** What a key press carries (a KeyboardEvent has these). */
export interface KeyPress {
  key: string;
  shiftKey: boolean;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
}

/** The session as it is when the key is pressed: some keys mean something else without a box. */
export interface KeyContext {
  /** A box is selected: Shift+arrows move it rather than going to another item. */
  boxSelected: boolean;
  /** The item has objects (Tab walks them) or keys are still queued (Tab will walk the next item's). */
  tabWalksBoxes: boolean;
  /** Something is selected to delete (or keys are queued). */
  canDelete: boolean;
}

interface Binding {
  /** How the overlay writes the keys. */
  keys: string;
  help: string;
  match(press: KeyPress, context: KeyContext): ReviewAction | undefined;
}

const STEP = 4;
const lower = (press: KeyPress) => press.key.toLowerCase();
const arrow = (key: string) => ({
  dx: key === 'ArrowLeft' ? -STEP : key === 'ArrowRight' ? STEP : 0,
  dy: key === 'ArrowUp' ? -STEP : key === 'ArrowDown' ? STEP : 0,
});

export const KEYMAP: readonly Binding[] = [
  {
    keys: '1 … 9',
    help: 'pick a class (the selected box gets it; new boxes are drawn in it)',
    match: (p) =>
      /^[1-9]$/.test(p.key) && !p.shiftKey ? { kind: 'class', slot: Number(p.key) - 1 } : undefined,
  },
  {
    keys: 'Enter',
    help: 'accept the item as it is now and go on',
    match: (p) => (p.key === 'Enter' && !p.shiftKey ? { kind: 'accept' } : undefined),
  },
  {
    keys: 'R',
    help: 'reject the model’s objects (your added boxes stay) and go on',
    match: (p) => (lower(p) === 'r' ? { kind: 'reject' } : undefined),
  },
  {
    keys: 'Shift + arrows',
    help: 'move the selected box (Alt: resize)',
    match: (p, c) =>
      p.shiftKey && c.boxSelected && p.key.startsWith('Arrow')
        ? { kind: 'nudge', ...arrow(p.key), resize: p.altKey }
        : undefined,
  },
  {
    keys: '↓ / →, ↑ / ←',
    help: 'next / previous item',
    match: (p) =>
      p.key === 'ArrowDown' || p.key === 'ArrowRight'
        ? { kind: 'move', by: 1 }
        : p.key === 'ArrowUp' || p.key === 'ArrowLeft'
          ? { kind: 'move', by: -1 }
          : undefined,
  },
  {
    keys: 'Tab',
    help: 'select the next box (Shift: the previous one)',
    match: (p, c) => (p.key === 'Tab' && c.tabWalksBoxes ? { kind: 'nextBox', back: p.shiftKey } : undefined),
  },
  {
    keys: 'Delete',
    help: 'delete the selected box',
    match: (p, c) =>
      (p.key === 'Delete' || p.key === 'Backspace') && c.canDelete ? { kind: 'deleteBox' } : undefined,
  },
  {
    keys: 'Z',
    help: 'undo (the last edit, then the last accept, reject or held decision)',
    match: (p) => (lower(p) === 'z' ? { kind: 'undo' } : undefined),
  },
  {
    keys: 'X',
    help: 'add the item to the selection; Shift+Enter accepts the selection',
    match: (p) =>
      lower(p) === 'x'
        ? { kind: 'pick' }
        : p.key === 'Enter' && p.shiftKey
          ? { kind: 'acceptPicked' }
          : undefined,
  },
  {
    keys: 'U / D',
    help: 'held item: upload / drop (kept here until the engine has it)',
    match: (p) =>
      lower(p) === 'u'
        ? { kind: 'held', decision: 'upload' }
        : lower(p) === 'd'
          ? { kind: 'held', decision: 'drop' }
          : undefined,
  },
  {
    keys: '?',
    help: 'show or hide these shortcuts',
    match: (p) => (p.key === '?' ? { kind: 'help' } : undefined),
  },
  {
    keys: 'Esc',
    help: 'close the shortcuts, unselect the box',
    match: (p) => (p.key === 'Escape' ? { kind: 'escape' } : undefined),
  },
];

/** Rows of the shortcuts overlay: the keymap, and what the mouse does. */
export const SHORTCUTS: readonly (readonly [string, string])[] = [
  ...KEYMAP.map((b) => [b.keys, b.help] as const),
  ['drag', 'on the picture: draw a box; on a box: move it; on a corner: resize it'],
];

/** The action a press means, or undefined (then the browser keeps the key: typing, Ctrl+…, Alt+digit). */
export function actionFor(press: KeyPress, context: KeyContext): ReviewAction | undefined {
  if (press.ctrlKey || press.metaKey) return undefined;
  if (press.altKey && !press.shiftKey) return undefined; // Alt+digit: the app's views
  for (const binding of KEYMAP) {
    const action = binding.match(press, context);
    if (action) return action;
  }
  return undefined;
}

/** Actions that change or decide the item shown: they wait until it is open. */
export function needsItem(action: ReviewAction): boolean {
  return (
    action.kind !== 'help' &&
    action.kind !== 'escape' &&
    action.kind !== 'move' &&
    action.kind !== 'acceptPicked'
  );
}
