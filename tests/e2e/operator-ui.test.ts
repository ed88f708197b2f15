import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { dropFile, oneCameraYaml, type Site, waitFor } from '../support/engine-fixtures.ts';
import { type OpenSite, openSite, pressUntil, type Served, screenshotBothThemes } from './browser.ts';

/**
 * The operator UI end to end: `edge-capture serve` (real engine, real capture folder, the embedded
 * local store as destination) in Debian's headless Chromium. Files dropped into the folder reach
 * Uploaded; a skipped file shows its reason; a rule edit with a mistake is refused with the fix,
 * corrected, dry-run and saved, and the next file is decided by it without a restart.
 */
const CONFIG = ({
  captures,
  dataDir,
}: {
  captures: string;
  dataDir: string;
}) => `# E2E site. This comment must survive saves from the UI.
site: e2e-site
device: gw-e2e
${oneCameraYaml({ captures, dataDir })}

rules:
  # Personal data never leaves the site.
  - name: personal-data
    when: { tags: { any: ["pii:*"] } }
    action: quarantine
    reason: Contains personal data

  - name: logs
    when:
      extension: [log, csv]
    action: upload
    priority: 5

  - name: images
    when: { extension: jpg }
    action: skip
    reason: Images are not wanted yet

defaultAction: { action: skip, reason: nothing matched }
`;

describe('operator UI end to end (serve + Chromium)', () => {
  let opened: OpenSite;
  let site: Site;
  let served: Served;
  let page: Page;
  const screenshots: string[] = [];

  const count = (tab: string) => page.getByTestId(`count-${tab}`).textContent();
  const untilCount = (tab: string, n: number) =>
    waitFor(async () => (await count(tab)) === String(n), `${tab} count ${n}`, 30_000);

  beforeAll(async () => {
    opened = await openSite(CONFIG, { viewport: { width: 1366, height: 768 } });
    ({ site, served, page } = opened);
  });
  afterAll(() => opened?.close());

  test('files dropped into the capture folder reach Uploaded, and the chart counts them', async () => {
    for (let i = 1; i <= 3; i++)
      await dropFile(join(site.captures, `run-${i}.log`), `line ${i}\n`.repeat(200));
    await untilCount('uploaded', 3);
    await page.getByRole('tab', { name: /Uploaded/ }).click();
    await page.getByRole('option', { name: /run-3\.log/ }).waitFor();
    await waitFor(
      async () => /3\s*files/.test((await page.getByTestId('throughput-totals').textContent()) ?? ''),
      'the chart totals to show 3 files',
      15_000,
    );
  });

  test('a skipped file is listed with the rule’s reason', async () => {
    await dropFile(join(site.captures, 'frame-1.jpg'), 'not really a jpeg');
    await untilCount('skipped', 1);
    await page.getByRole('tab', { name: /Skipped/ }).click();
    const row = page.getByRole('option', { name: /frame-1\.jpg/ });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /Images are not wanted yet/);
    await row.click();
    await page
      .getByRole('article', { name: /Details of frame-1\.jpg/ })
      .getByText('Images are not wanted yet')
      .first()
      .waitFor();
    await page.getByRole('button', { name: 'Upload anyway' }).waitFor();
    screenshots.push(
      ...(await screenshotBothThemes(page, 'queues', '[role="option"]', async (p) => {
        await p.getByRole('tab', { name: /Skipped/ }).click();
        await p.getByRole('option', { name: /frame-1\.jpg/ }).click();
        await p.getByRole('button', { name: 'Upload anyway' }).waitFor();
      })),
    );

    // Found from another tab by its name: the skipped file, with its state, and its story on a click.
    await page.getByRole('tab', { name: /In progress/ }).click();
    await page.getByLabel('Find a file in any queue').fill('frame 1');
    const found = page
      .getByRole('list', { name: 'Files found' })
      .getByRole('button', { name: /frame-1\.jpg/ });
    await found.waitFor();
    assert.match((await found.textContent()) ?? '', /skipped/i);
    screenshots.push(
      ...(await screenshotBothThemes(page, 'queues-find', '.found-list', async (p) => {
        await p.getByLabel('Find a file in any queue').fill('frame 1');
        await p
          .getByRole('list', { name: 'Files found' })
          .getByRole('button', { name: /frame-1\.jpg/ })
          .click();
        await p.getByRole('button', { name: 'Upload anyway' }).waitFor();
      })),
    );
    await page.getByLabel('Find a file in any queue').fill('');
  });

  test('a rule edit: refused with the fix, corrected, dry-run, saved, and the next file decided by it', async () => {
    const pid = served.process.pid;
    // Keyboard: Alt+2 opens Rules.
    const editor = page.getByRole('textbox', { name: 'Rules (YAML)' });
    await pressUntil(page, 'Alt+2', editor);
    await page.getByText('extension is .jpg').waitFor();
    const original = await editor.inputValue();
    assert.match(original, /# Personal data never leaves the site\./);

    await editor.fill(
      original.replace(
        'action: skip\n  reason: Images are not wanted yet',
        'action: upload-now\n  reason: Images wanted now',
      ),
    );
    const issue = page.locator('.issue').first();
    await issue.waitFor();
    const issueText = (await issue.textContent()) ?? '';
    assert.match(issueText, /Line \d+, rule 3 › action/);
    assert.match(issueText, /Fix:/);
    assert.equal(await page.getByRole('button', { name: 'Save and apply' }).isDisabled(), true);
    screenshots.push(...(await screenshotRulesWithIssue(page)));

    await editor.fill(
      original.replace(
        'action: skip\n  reason: Images are not wanted yet',
        'action: upload\n  reason: Images wanted now',
      ),
    );
    await page.getByText('These rules are valid.').waitFor();

    await page.getByLabel('Folder to try').selectOption('cam');
    await page.getByRole('button', { name: 'Run dry run' }).click();
    const result = page.getByTestId('dry-run-result');
    await result.getByText('Nothing was queued.').waitFor();
    const jpgRow = result.getByRole('row', { name: /cam\/frame-1\.jpg/ });
    assert.match((await jpgRow.textContent()) ?? '', /upload.*images.*Images wanted now/);
    assert.equal(await page.getByTestId('count-skipped').count(), 0, 'the Queues view is not shown');

    await page.getByRole('button', { name: 'Save and apply' }).click();
    await page.getByText('Saved to the site file.').waitFor();
    await page.locator('.rule-card', { hasText: 'images' }).getByText('upload', { exact: true }).waitFor();
    const file = await readFile(site.configPath, 'utf8');
    assert.match(file, /^# E2E site\. This comment must survive saves from the UI\./);
    assert.match(file, /action: upload\n {4}reason: Images wanted now/);
    screenshots.push(...(await screenshotBothThemes(page, 'rules', '.rule-card')));

    await dropFile(join(site.captures, 'frame-2.jpg'), 'another image');
    await pressUntil(page, 'Alt+1', page.getByRole('tab', { name: /Uploaded/ }));
    await untilCount('uploaded', 4);
    await page.getByRole('tab', { name: /Uploaded/ }).click();
    await page.getByRole('option', { name: /frame-2\.jpg/ }).click();
    await page
      .getByRole('article', { name: /Details of frame-2\.jpg/ })
      .getByText('images matched')
      .waitFor();
    assert.equal(served.process.pid, pid);
    assert.equal(served.process.exitCode, null, 'the engine was not restarted');
    // The older image keeps the decision it had.
    assert.equal(await count('skipped'), '1');
  });

  test('activity: searchable, filtered by kind, newest first, live', async () => {
    await page.getByRole('button', { name: 'Activity' }).click();
    const list = page.getByRole('list', { name: 'Activity, newest first' });
    await list
      .getByText(/Rules changed/)
      .first()
      .waitFor();
    await page.getByRole('searchbox', { name: 'Search the activity' }).fill('frame-2');
    await waitFor(async () => {
      const texts = await list.locator('li').allTextContents();
      return texts.length > 0 && texts.every((text) => text.includes('frame-2.jpg'));
    }, 'only frame-2.jpg entries');
    const first = await list.locator('li').first().textContent();
    assert.match(first ?? '', /frame-2\.jpg: .*(uploaded|retained)/, 'newest first');
    await page.getByRole('searchbox', { name: 'Search the activity' }).fill('');
    await dropFile(join(site.captures, 'live.csv'), 'a,b\n1,2\n');
    await list
      .getByText(/cam\/live\.csv/)
      .first()
      .waitFor({ timeout: 20_000 });
    await page.getByLabel('Files').uncheck();
    await page.getByLabel('Problems').uncheck();
    await waitFor(async () => {
      const kinds = await list
        .locator('li')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-kind')));
      return kinds.length > 0 && kinds.every((kind) => kind === 'engine');
    }, 'engine entries only');
    await page.getByLabel('Files').check();
    await page.getByLabel('Problems').check();
    screenshots.push(...(await screenshotBothThemes(page, 'activity', '.activity-item')));
    // An entry about a file opens the file's story beside the log.
    screenshots.push(
      ...(await screenshotBothThemes(page, 'activity-story', '.activity-story h2', async (p) => {
        await p.getByRole('button', { name: /frame-1\.jpg: discovered → inspected/ }).click();
      })),
    );
  });

  test('screenshots of every main view were written', () => {
    assert.deepEqual(
      screenshots.map((path) => path.split('/').at(-1)),
      [
        'queues-light.png',
        'queues-dark.png',
        'queues-find-light.png',
        'queues-find-dark.png',
        'rules-issue-light.png',
        'rules-issue-dark.png',
        'rules-light.png',
        'rules-dark.png',
        'activity-light.png',
        'activity-dark.png',
        'activity-story-light.png',
        'activity-story-dark.png',
      ],
    );
  });
});

/** The Rules view with a refused edit: screenshots without reloading (the draft lives in the page). */
async function screenshotRulesWithIssue(page: Page): Promise<string[]> {
  const { mkdir } = await import('node:fs/promises');
  const { SCREENSHOTS } = await import('./browser.ts');
  await mkdir(SCREENSHOTS, { recursive: true });
  const saved: string[] = [];
  for (const theme of ['light', 'dark'] as const) {
    await page.getByRole('button', { name: /^Theme:/ }).evaluate((button, wanted) => {
      // Click the theme button until it says the wanted theme (system → light → dark → system).
      for (let i = 0; i < 3 && !button.textContent?.endsWith(wanted); i++)
        (button as unknown as { click(): void }).click();
    }, theme);
    await page.waitForTimeout(200);
    const path = join(SCREENSHOTS, `rules-issue-${theme}.png`);
    await page.screenshot({ path });
    saved.push(path);
  }
  return saved;
}
