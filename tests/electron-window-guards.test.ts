import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'vitest';
import { fromTrustedSender, isTrustedSender } from '../main/electron/ipc-sender.ts';
import { guardContents, guardSession, type Refusal } from '../main/electron/navigation-guard.ts';
import {
  APP_ENTRY_URL,
  CONTENT_SECURITY_POLICY,
  PRIVILEGED_SCHEMES,
  windowOptions,
} from '../main/electron/window-options.ts';

/**
 * FAKE for the Electron binary: a WebContents/Session stand-in (an EventEmitter with the same event
 * names and handler setters), because Electron's runtime cannot be downloaded here. The guards under
 * test are the real ones main.ts installs.
 */
class FakeWebContents extends EventEmitter {
  openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }) {
    this.openHandler = handler;
  }
  /** Emits like Electron: the listener may call preventDefault(). Returns whether it was prevented. */
  attempt(event: string, url = ''): boolean {
    let prevented = false;
    this.emit(event, { url, preventDefault: () => (prevented = true) });
    return prevented;
  }
}

describe('electron window: options, CSP, privileged scheme', () => {
  test('the window is isolated, sandboxed, without Node, webview or insecure content', () => {
    const options = windowOptions('/app/dist/electron/preload.cjs');
    const prefs = options.webPreferences ?? {};
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.nodeIntegrationInWorker, false);
    assert.equal(prefs.nodeIntegrationInSubFrames, false);
    assert.equal(prefs.webSecurity, true);
    assert.equal(prefs.allowRunningInsecureContent, false);
    assert.equal(prefs.experimentalFeatures, false);
    assert.equal(prefs.webviewTag, false);
    assert.equal(prefs.enableBlinkFeatures, '');
    assert.equal(prefs.navigateOnDragDrop, false);
    assert.equal(prefs.preload, '/app/dist/electron/preload.cjs');
    assert.equal(prefs.devTools, process.env.EDGE_CAPTURE_DEVTOOLS === '1');
    assert.equal(APP_ENTRY_URL, 'app://edge-capture/index.html');
  });

  test('the CSP allows only the app origin for code and nothing over the network', () => {
    const directives = new Map(
      CONTENT_SECURITY_POLICY.split(';').map((part) => {
        const [name, ...values] = part.trim().split(/\s+/);
        return [name, values.join(' ')] as const;
      }),
    );
    assert.equal(directives.get('default-src'), "'none'");
    assert.equal(directives.get('script-src'), "'self'");
    // Only the app's own media path (pictures and text previews forwarded to the engine host).
    assert.equal(directives.get('connect-src'), 'app://edge-capture/media/');
    assert.equal(directives.get('object-src'), "'none'");
    assert.equal(directives.get('frame-ancestors'), "'none'");
    assert.equal(directives.get('base-uri'), "'none'");
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-eval|\*|http:|https:|ws:/);
  });

  test('app:// is registered standard and secure (a real origin with IndexedDB), without CSP bypass', () => {
    const [scheme] = PRIVILEGED_SCHEMES;
    assert.equal(scheme?.scheme, 'app');
    assert.equal(scheme?.privileges?.standard, true);
    assert.equal(scheme?.privileges?.secure, true);
    assert.equal(scheme?.privileges?.bypassCSP, false);
    assert.equal(scheme?.privileges?.corsEnabled, false);
    assert.equal(scheme?.privileges?.allowServiceWorkers, false);
  });
});

describe('electron navigation guard (fake WebContents standing in for Electron)', () => {
  test('navigation away, redirects, window.open and <webview> are refused; reloading our page is not', () => {
    const contents = new FakeWebContents();
    const refusals: Refusal[] = [];
    guardContents(contents, (refusal) => refusals.push(refusal));
    assert.equal(contents.attempt('will-navigate', 'https://evil.example/'), true);
    assert.equal(contents.attempt('will-navigate', 'file:///etc/passwd'), true);
    assert.equal(contents.attempt('will-navigate', 'app://other-host/index.html'), true);
    assert.equal(contents.attempt('will-navigate', 'app://edge-capture/index.html'), false);
    assert.equal(contents.attempt('will-redirect', 'https://evil.example/'), true);
    assert.equal(contents.attempt('will-attach-webview'), true);
    assert.deepEqual(contents.openHandler?.({ url: 'https://example.com/' }), { action: 'deny' });
    assert.deepEqual(contents.openHandler?.({ url: 'app://edge-capture/index.html' }), { action: 'deny' });
    assert.deepEqual(
      refusals.map((refusal) => refusal.what),
      ['navigation', 'navigation', 'navigation', 'redirect', 'webview', 'window.open', 'window.open'],
    );
  });

  test('every permission request and check is refused', () => {
    let requestHandler: ((c: unknown, p: string, cb: (granted: boolean) => void) => void) | undefined;
    let checkHandler: ((c: unknown, p: string) => boolean) | undefined;
    const refusals: Refusal[] = [];
    guardSession(
      {
        setPermissionRequestHandler: (handler) => {
          requestHandler = handler;
        },
        setPermissionCheckHandler: (handler) => {
          checkHandler = handler;
        },
      },
      (refusal) => refusals.push(refusal),
    );
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      let granted: boolean | undefined;
      requestHandler?.(undefined, permission, (answer) => {
        granted = answer;
      });
      assert.equal(granted, false, permission);
      assert.equal(checkHandler?.(undefined, permission), false, permission);
    }
    assert.equal(refusals.length, 5);
  });
});

describe('electron IPC sender check', () => {
  const top = (url: string) => ({ senderFrame: { url, parent: null } });

  test('only the top frame of app://edge-capture is trusted', () => {
    assert.equal(isTrustedSender(top('app://edge-capture/index.html')), true);
    assert.equal(isTrustedSender(top('app://edge-capture/index.html#queue')), true);
    assert.equal(isTrustedSender(top('app://evil/index.html')), false);
    assert.equal(isTrustedSender(top('https://edge-capture/index.html')), false);
    assert.equal(isTrustedSender(top('file:///app/dist/renderer/index.html')), false);
    assert.equal(isTrustedSender(top('about:blank')), false);
    assert.equal(isTrustedSender(top('not a url')), false);
    assert.equal(isTrustedSender(top('app://user@edge-capture/index.html')), false);
    assert.equal(isTrustedSender(top('app://edge-capture.evil.example/index.html')), false);
    assert.equal(isTrustedSender({ senderFrame: null }), false);
    assert.equal(
      isTrustedSender({ senderFrame: { url: 'app://edge-capture/index.html', parent: { url: 'x' } } }),
      false,
    );
  });

  test('a wrapped listener runs for our page and drops (and reports) everything else', () => {
    const handled: string[] = [];
    const rejected: string[] = [];
    const listener = fromTrustedSender(
      'edge-capture:connect',
      (event: { senderFrame: { url: string; parent: unknown } | null }, arg: string) =>
        handled.push(`${event.senderFrame?.url} ${arg}`),
      (channel, url) => rejected.push(`${channel} ${url}`),
    );
    listener(top('app://edge-capture/index.html'), 'a');
    listener(top('https://evil.example/'), 'b');
    listener({ senderFrame: null }, 'c');
    listener({ senderFrame: { url: 'app://edge-capture/index.html', parent: {} } }, 'd');
    assert.deepEqual(handled, ['app://edge-capture/index.html a']);
    assert.deepEqual(rejected, [
      'edge-capture:connect https://evil.example/',
      'edge-capture:connect (frame gone)',
      'edge-capture:connect app://edge-capture/index.html',
    ]);
  });
});
