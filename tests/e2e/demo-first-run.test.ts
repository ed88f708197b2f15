import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { demoConfigDocument } from '../../main/cli/commands/demo.ts';
import { resolveConfig } from '../../main/engine/config/resolve.ts';
import { CaptureEngine } from '../../main/engine/engine.ts';
import { EngineHost } from '../../main/host/engine-host.ts';
import { DEMO_SOURCE } from '../../main/host/site-control.ts';
import { type RunningServer, startServer } from '../../main/serve/server.ts';
import { dropFile } from '../support/engine-fixtures.ts';
import { launchChromium, screenshotBothThemes } from './browser.ts';

const RENDERER = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

/** First run: the demo site served to a browser says DEMO and shows one way to set up a real site. */
describe('first run on the demo site', () => {
  let dir: string;
  let engine: CaptureEngine;
  let host: EngineHost;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edge-demo-ui-'));
    await mkdir(join(dir, 'captures'), { recursive: true });
    engine = new CaptureEngine(resolveConfig(demoConfigDocument(dir), DEMO_SOURCE), { inspectWorkers: 0 });
    await engine.start();
    host = new EngineHost(engine, { engineVersion: '0.1.0-demo' });
    server = await startServer({ host, staticDir: RENDERER });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    host?.close();
    await engine?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('the DEMO label, the set-up panel, and read-only rules that can still be dry-run', async () => {
    await dropFile(join(dir, 'captures', 'readings.csv'), 't,v\n1,2\n');
    await page.goto(server.url);
    await page.getByText('DEMO', { exact: true }).first().waitFor();
    const panel = page.getByRole('region', { name: 'Demo mode' });
    await panel.getByRole('heading', { name: 'Set up a real site' }).waitFor();
    assert.match((await panel.textContent()) ?? '', /edge-capture serve --config/);
    const uploaded = async (p: Page) => {
      await p.getByRole('tab', { name: /Uploaded/ }).click();
      await p
        .getByRole('option', { name: /readings\.csv/ })
        .first()
        .waitFor({ timeout: 20_000 });
    };
    await uploaded(page);
    const shots = await screenshotBothThemes(page, 'demo-first-run', '[role="option"]', uploaded);
    await page.getByRole('button', { name: 'Rules' }).click();
    await page.getByText('The demo runs on built-in rules').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save and apply' }).isDisabled(), true);
    await page.getByRole('button', { name: 'Run dry run' }).click();
    await page
      .getByTestId('dry-run-result')
      .getByRole('row', { name: /readings\.csv/ })
      .waitFor();
    assert.equal(shots.length, 2);
  });
});
