import type { BrowserWindowConstructorOptions, CustomScheme } from 'electron';

/**
 * The renderer's origin. `app://edge-capture/index.html` is served from dist/renderer by the app
 * protocol handler (app-protocol.ts); no page is ever loaded from file:// or the network.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'edge-capture';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Registered before `app.ready`: standard (so URLs resolve like https and the page has a real origin),
 * secure (a secure context, like https), with storage APIs (IndexedDB, localStorage) and fetch from
 * the page's own origin. No CORS bypass, no service workers, no streaming from other origins.
 */
export const PRIVILEGED_SCHEMES: CustomScheme[] = [
  {
    scheme: APP_SCHEME,
    privileges: {
      standard: true,
      secure: true,
      supportFetchAPI: true,
      corsEnabled: false,
      bypassCSP: false,
      allowServiceWorkers: false,
      stream: false,
      codeCache: true,
    },
  },
];

/**
 * Strict CSP for the desktop renderer: only its own origin for scripts, no eval, no network at all
 * (the engine is reached through the preload's MessagePort), no frames, no plugins. The only `fetch`
 * allowed is of the app's own `/media/` path (the Review view prefetches pictures and reads text
 * previews; app-protocol.ts forwards those to the engine host). Pictures: own origin (`/media/…`
 * included), data: and blob: (prefetched pictures). Inline styles stay allowed because the UI sets
 * style attributes (virtualized list rows).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  `connect-src ${APP_ORIGIN}/media/`,
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "worker-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Options of the one window. Every security-relevant preference is spelled out, even where it is the default. */
export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    title: 'Edge Capture',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      enableBlinkFeatures: '',
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      devTools: process.env.EDGE_CAPTURE_DEVTOOLS === '1',
    },
  };
}
