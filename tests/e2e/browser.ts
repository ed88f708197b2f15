import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { makeSite, type Site } from '../support/engine-fixtures.ts';

/** End-to-end helpers: the real CLI (`edge-capture serve`), Debian's Chromium driven by playwright-core. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['EDGE_CAPTURE_CHROMIUM'] ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
}

export interface Served {
  url: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts `edge-capture serve --config FILE` on loopback (a free port unless given) and waits for its URL. */
export async function serve(configPath: string, port = 0): Promise<Served> {
  const child = spawn(
    process.execPath,
    ['main/cli/index.ts', 'serve', '--config', configPath, '--listen', `127.0.0.1:${port}`],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /browser mode: open (http:\/\/[^\s"]+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
    setTimeout(() => reject(new Error(`serve printed no URL in 30 s:\n${output}`)), 30_000).unref();
  });
  return {
    url,
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A scratch site served by `edge-capture serve` and open in Chromium, as an operator finds it. */
export interface OpenSite {
  site: Site;
  served: Served;
  browser: Browser;
  page: Page;
  /** Closes the browser, stops serve and removes the site. */
  close(): Promise<void>;
}

/**
 * Makes a site from `config`, runs `edge-capture serve` on it and opens its UI in Chromium at
 * `viewport`, resolved once the Queues view shows. `prepare` runs before serve starts (e.g. makes the
 * folders a filesystem destination writes to). When a step fails, what was started is closed again.
 */
export async function openSite(
  config: Parameters<typeof makeSite>[0],
  options: { viewport: { width: number; height: number }; prepare?: (site: Site) => Promise<unknown> },
): Promise<OpenSite> {
  let site: Site | undefined;
  let served: Served | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await served?.stop();
    await site?.cleanup();
  };
  try {
    site = await makeSite(config);
    await options.prepare?.(site);
    served = await serve(site.configPath);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: options.viewport });
    await page.goto(served.url);
    await page.getByRole('tab', { name: /In progress/ }).waitFor();
    return { site, served, browser, page, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Saves test-output/screenshots/<name>-light.png and -dark.png: the theme is chosen as an operator
 * would (remembered on the machine), the page reloaded (the URL keeps the view), `ready` awaited.
 */
export async function screenshotBothThemes(
  page: Page,
  name: string,
  ready: string,
  prepare?: (page: Page) => Promise<void>,
): Promise<string[]> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const saved: string[] = [];
  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate((value) => localStorage.setItem('edge-capture.theme', value), theme);
    await page.reload();
    await prepare?.(page);
    await page.locator(ready).first().waitFor();
    await page.waitForTimeout(300);
    const path = join(SCREENSHOTS, `${name}-${theme}.png`);
    await page.screenshot({ path });
    saved.push(path);
  }
  await page.evaluate(() => localStorage.setItem('edge-capture.theme', 'light'));
  await page.reload();
  return saved;
}

/**
 * Presses a shortcut until `shows` appears (5 tries, 2 s each). A key pressed right after a page load
 * can land before React has registered its listener (effects run after the first paint); an operator
 * would simply press again.
 */
export async function pressUntil(page: Page, key: string, shows: Locator): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press(key);
    try {
      await shows.waitFor({ timeout: 2000 });
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}
