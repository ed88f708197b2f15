import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../tests/e2e/browser.ts';

/** Debian's Chromium as the end-to-end tests start it, plus: a page measured in the background must draw every frame like a visible one. */
export function launchBenchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['EDGE_CAPTURE_CHROMIUM'] ?? '/usr/bin/chromium',
    args: [
      ...CHROMIUM_ARGS,
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
    ],
  });
}
