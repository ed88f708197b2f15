import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { dropFile, type Site, waitFor } from '../support/engine-fixtures.ts';
import { type OpenSite, openSite, screenshotBothThemes } from './browser.ts';

/**
 * Pause and progress in the operator UI, end to end (serve + Debian's headless Chromium): the top bar's
 * "Pause uploads" stops new uploads with a banner saying who paused and since when, files still arrive
 * and wait; "Resume uploads" lets them go; a large file going up at a capped rate shows a progress bar in
 * its row and its bytes in the detail pane.
 */
const MIB = 1024 * 1024;

describe('pause, resume and progress in the UI (serve + Chromium)', () => {
  let opened: OpenSite;
  let site: Site;
  let page: Page;
  let share: string;

  beforeAll(async () => {
    opened = await openSite(
      ({ captures, dataDir }) => `
site: pause-e2e
dataDir: ${dataDir}
folders: [{ id: cam, path: ${captures}, stableWindow: 200ms }]
reconcileInterval: 0
rules: [{ name: all, action: upload }]
destination: { type: filesystem, path: ${join(dataDir, '..', 'share')}, fsync: false }
upload: { bandwidth: 4M }
`,
      {
        viewport: { width: 1366, height: 900 },
        prepare: async (site) => {
          share = join(site.root, 'share');
          await mkdir(share);
        },
      },
    );
    ({ site, page } = opened);
  });
  afterAll(() => opened?.close());

  /** Files (not folders) at the share. */
  const stored = async () =>
    (await readdir(share, { recursive: true, withFileTypes: true })).filter(
      (e) => e.isFile() && !e.name.startsWith('.'),
    ).length;

  test('Pause uploads: a banner says who and since when; files wait; Resume: they go', async () => {
    await page.getByRole('button', { name: 'Pause uploads' }).click();
    const banner = page.getByRole('alert', { name: 'Uploads paused' });
    await banner.waitFor();
    assert.match((await banner.textContent()) ?? '', /Uploads are paused by an operator in the UI since/);
    await dropFile(join(site.captures, 'waiting.txt'), 'wait for resume\n');
    await page.getByRole('option', { name: /waiting\.txt/ }).waitFor({ timeout: 20_000 });
    await screenshotBothThemes(page, 'uploads-paused', '[aria-label="Uploads paused"]');
    assert.equal(await stored(), 0, 'nothing uploaded while paused');

    await page.getByRole('button', { name: 'Resume uploads' }).first().click();
    await banner.waitFor({ state: 'detached' });
    await waitFor(async () => (await stored()) === 1, 'the waiting file uploaded', 20_000);
  });

  test('a large upload shows its progress in the row and in the detail pane', async () => {
    await dropFile(join(site.captures, 'big.bin'), Buffer.alloc(16 * MIB, 3));
    const row = page.getByRole('option', { name: /big\.bin/ });
    await row.waitFor({ timeout: 20_000 });
    const bar = page.getByRole('progressbar', { name: /big\.bin uploading/ });
    await bar.waitFor({ timeout: 20_000 });
    await row.click();
    const detail = page.getByRole('list', { name: 'Upload progress' });
    await detail.waitFor();
    assert.match((await detail.textContent()) ?? '', /Uploading to default: .* of 16 MiB \(\d+ %\)/);
    const first = Number(await bar.getAttribute('aria-valuenow'));
    await waitFor(
      async () => Number((await bar.getAttribute('aria-valuenow').catch(() => '100')) ?? 0) > first,
      'the bar to move',
      20_000,
    );
    await waitFor(async () => (await stored()) === 2, 'the big file uploaded', 30_000);
  });
});
