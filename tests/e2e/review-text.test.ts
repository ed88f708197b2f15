import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { dropFile, makeSite, type Site, waitFor } from '../support/engine-fixtures.ts';
import { launchChromium, SCREENSHOTS, type Served, serve } from './browser.ts';

/**
 * Non-image items in the Review view (serve + Debian's headless Chromium): a CSV with predictions shows
 * its rows as a table beside the predicted labels, with a `<script>` in a cell shown as text and never
 * run; a JSON file shows pretty-printed in a `<pre>`.
 */
const CSV =
  'sensor,reading,comment\n"line 4, press",41.5,"said ""ok"""\nvalve-2,<script>window.__pwned=1</script>,<b>bold?</b>\n';

describe('text previews in the Review view (serve + Chromium)', () => {
  let site: Site;
  let served: Served;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    site = await makeSite(
      ({ captures, dataDir }) => `
site: text-e2e
dataDir: ${dataDir}
folders: [{ id: cam, path: ${captures}, stableWindow: 200ms }]
reconcileInterval: 0
defaultAction: { action: skip, reason: kept local }
`,
    );
    const sidecar = (label: string, score: number) =>
      JSON.stringify({ model_version: 'm-7', predictions: [{ label, score }] });
    // Sidecars first, so inspection finds them beside the captures.
    await dropFile(join(site.captures, 'press.pred.json'), sidecar('anomaly', 0.42));
    await dropFile(join(site.captures, 'press.csv'), CSV);
    await dropFile(join(site.captures, 'status.pred.json'), sidecar('normal', 0.91));
    await dropFile(join(site.captures, 'status.json'), '{"ok":true,"ids":[1,2]}');
    served = await serve(site.configPath);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(served.url);
    await page.goto(`${new URL(served.url).origin}/#/review`);
    await page.getByLabel(/Your name/).fill('ana');
    await page.keyboard.press('Enter');
  });
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    await site?.cleanup();
  });

  test('a CSV item: its rows in a table beside the predicted label, a <script> cell shown as text', async () => {
    const row = page.locator('.review-row').filter({ hasText: 'press.csv' });
    // The list fills as inspection finishes: reload until the item is there.
    await waitFor(
      async () => {
        await page.reload();
        return row.waitFor({ timeout: 5_000 }).then(
          () => true,
          () => false,
        );
      },
      'press.csv in the review list',
      60_000,
    );
    await row.locator('.row-open').click();
    const table = page.locator('.review-stage .data-preview table.csv-table');
    await table.waitFor({ timeout: 20_000 });
    assert.deepEqual(await table.locator('thead th').allTextContents(), ['sensor', 'reading', 'comment']);
    const cells = await table
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    assert.deepEqual(cells, [
      ['line 4, press', '41.5', 'said "ok"'],
      ['valve-2', '<script>window.__pwned=1</script>', '<b>bold?</b>'],
    ]);
    assert.equal(await page.locator('.data-preview script, .data-preview b').count(), 0, 'no markup made');
    assert.equal(await page.evaluate(() => (window as { __pwned?: number }).__pwned), undefined);
    const labels = page.locator('.data-preview table.predicted-labels tbody');
    assert.match((await labels.textContent()) ?? '', /anomaly\s*0\.42/);
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'review-text-csv.png') });
  });

  test('a JSON item: pretty-printed in a monospaced, scrollable <pre>', async () => {
    const row = page.locator('.review-row').filter({ hasText: 'status.json' });
    await row.locator('.row-open').click();
    const pre = page.locator('.review-stage .data-preview pre.text-scroll');
    await pre.waitFor({ timeout: 20_000 });
    assert.equal(await pre.textContent(), '{\n  "ok": true,\n  "ids": [\n    1,\n    2\n  ]\n}');
    const style = await pre.evaluate((el) => {
      const s = getComputedStyle(el);
      return { overflow: s.overflowY, font: s.fontFamily, maxHeight: s.maxHeight };
    });
    assert.equal(style.overflow, 'auto');
    assert.match(style.font, /mono/i);
    assert.notEqual(style.maxHeight, 'none');
  });
});
