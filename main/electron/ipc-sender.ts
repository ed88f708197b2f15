import { isAppUrl } from './navigation-guard.ts';

/** What an IPC event says about who sent it (Electron's `event.senderFrame`, narrowed). */
export interface SenderFrame {
  readonly url: string;
  /** null for the top frame of its page. */
  readonly parent: unknown;
}

export interface IpcEventLike {
  readonly senderFrame: SenderFrame | null;
}

/**
 * An IPC message is trusted only from the top frame of our own page (app://edge-capture). A frame
 * that navigated elsewhere, a subframe, or a frame that is already gone (senderFrame null) is not.
 */
export function isTrustedSender(event: IpcEventLike): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  if (frame.parent !== null) return false;
  return isAppUrl(frame.url);
}

/** Wraps an IPC listener: messages from anyone else are dropped (and reported), never handled. */
export function fromTrustedSender<E extends IpcEventLike, A extends unknown[]>(
  channel: string,
  listener: (event: E, ...args: A) => void,
  onRejected: (channel: string, url: string) => void,
): (event: E, ...args: A) => void {
  return (event, ...args) => {
    if (!isTrustedSender(event)) {
      onRejected(channel, event.senderFrame?.url ?? '(frame gone)');
      return;
    }
    listener(event, ...args);
  };
}
