import type { CorrectedObject, OutboxRecord } from '../../review/outbox.ts';
import type { Prepared } from '../../review/use-review.ts';

/** One item's edit as the reviewer sees it: the opened item and the objects being edited. */
export interface SessionState {
  /** Where the reviewer is in the list. */
  index: number;
  /** The item opened (its detail and picture), once prepared. */
  shown?: { fileId: number; prepared: Prepared };
  /** The item that could not be opened (keys meant for it are not applied, and say so). */
  failedFor?: number;
  objects: CorrectedObject[];
  draftId?: string;
  selected?: number;
  currentClass?: string;
  help: boolean;
  message?: string;
  picked: ReadonlySet<number>;
  naturalSize?: { width: number; height: number };
  /** This reviewer's last committed correction per item. */
  committed: ReadonlyMap<number, OutboxRecord>;
}

export const INITIAL: SessionState = {
  index: 0,
  objects: [],
  help: false,
  picked: new Set(),
  committed: new Map(),
};

/**
 * The session's state outside React: a change is visible to the next key press at once, not after
 * React has rendered and re-registered its listener (a closure over the last render's state was
 * how a key pressed quickly after another one could act on a stale item or stale objects).
 */
export class SessionStore {
  private state: SessionState = INITIAL;
  private readonly listeners = new Set<() => void>();

  get = (): SessionState => this.state;

  set = (patch: Partial<SessionState> | ((state: SessionState) => Partial<SessionState>)): void => {
    const change = typeof patch === 'function' ? patch(this.state) : patch;
    this.state = { ...this.state, ...change };
    for (const listener of [...this.listeners]) listener();
  };

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /**
   * Resolves with the first value `check` gives that is not undefined, checked now, on every change,
   * and every 250 ms (a check may read state kept outside this store: the list, whether a page is
   * loading). After `giveUpMs` it resolves with `onTimeout`, so one action that can never run does
   * not hold up every key pressed after it.
   */
  until<T>(check: () => T | undefined, giveUpMs = 15_000, onTimeout?: T): Promise<T | undefined> {
    return new Promise((resolve) => {
      const now = check();
      if (now !== undefined) {
        resolve(now);
        return;
      }
      const finish = (value: T | undefined) => {
        off();
        clearInterval(poll);
        clearTimeout(giveUp);
        resolve(value);
      };
      const look = () => {
        const value = check();
        if (value !== undefined) finish(value);
      };
      const off = this.subscribe(look);
      const poll = setInterval(look, 250);
      const giveUp = setTimeout(() => finish(onTimeout), giveUpMs);
    });
  }
}
