import { APP_HOST, APP_SCHEME } from './window-options.ts';

/**
 * What the renderer may do beyond showing its own page: nothing. Navigation away, new windows,
 * `<webview>`, and every permission (camera, notifications, clipboard, …) are refused. The desktop
 * notifications come from the main process (notifications.ts), so the page never needs permissions.
 */

/**
 * True only for a URL on the app's own origin (app://edge-capture). Compared by scheme and host: Node's
 * URL gives `origin === "null"` for schemes it does not know, so `.origin` cannot be used here.
 */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      parsed.protocol === `${APP_SCHEME}:` &&
      parsed.host === APP_HOST &&
      parsed.username === '' &&
      parsed.password === ''
    );
  } catch {
    return false;
  }
}

/** A reload of the app's own page is a navigation too; anything else is refused. */
export function mayNavigate(url: string): boolean {
  return isAppUrl(url);
}

/** The part of Electron's WebContents the guards use (narrow, so the guards are tested without Electron). */
export interface GuardedContents {
  on(event: 'will-navigate', listener: (event: { preventDefault(): void; url: string }) => void): unknown;
  on(event: 'will-redirect', listener: (event: { preventDefault(): void; url: string }) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

export interface GuardedSession {
  setPermissionRequestHandler(
    handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void,
  ): void;
  setPermissionCheckHandler(handler: (contents: unknown, permission: string) => boolean): void;
}

export type Refusal = {
  what: 'navigation' | 'redirect' | 'window.open' | 'webview' | 'permission';
  detail: string;
};

/** Installs the refusals on a window's contents; `onRefused` logs each (an attempt is worth knowing about). */
export function guardContents(contents: GuardedContents, onRefused: (refusal: Refusal) => void): void {
  contents.on('will-navigate', (event) => {
    if (mayNavigate(event.url)) return;
    event.preventDefault();
    onRefused({ what: 'navigation', detail: event.url });
  });
  contents.on('will-redirect', (event) => {
    if (mayNavigate(event.url)) return;
    event.preventDefault();
    onRefused({ what: 'redirect', detail: event.url });
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    onRefused({ what: 'webview', detail: 'a <webview> tag' });
  });
  contents.setWindowOpenHandler(({ url }) => {
    onRefused({ what: 'window.open', detail: url });
    return { action: 'deny' };
  });
}

/** Every permission request and check is answered "no". */
export function guardSession(session: GuardedSession, onRefused: (refusal: Refusal) => void): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    onRefused({ what: 'permission', detail: permission });
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
}
