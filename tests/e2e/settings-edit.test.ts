import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { dropFile, type Site, waitFor } from '../support/engine-fixtures.ts';
import { type OpenSite, openSite, pressUntil, type Served, screenshotBothThemes } from './browser.ts';

/**
 * Editing settings from the Settings view, end to end: `edge-capture serve` on a real site file, in
 * Debian's headless Chromium at a small laptop's 1366×768. "Files at once" changed and saved: the
 * view shows it, the site file has it with its comments kept. A bad value: the problem under its
 * field, Save refused, nothing written. A capture folder added from the UI: a file dropped into it
 * reaches Uploaded without restarting serve. The forms are photographed light and dark.
 */
const CONFIG = ({ captures, dataDir }: { captures: string; dataDir: string }) => `# Settings edit e2e site.
# This comment must survive saves from the Settings view.
site: edit-e2e
device: gw-edit
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures} # the first camera
    stableWindow: 200ms
reconcileInterval: 0
upload:
  concurrency: 4 # files at once, edited from the UI
  offlineProbeInterval: 1s
destinations:
  - name: share
    type: filesystem
    path: ${join(dataDir, '..', 'share')}
rules:
  - name: logs
    when: { extension: log }
    action: upload
defaultAction: { action: skip, reason: nothing matched }
`;

describe('editing settings from the Settings view (serve + Chromium)', () => {
  let opened: OpenSite;
  let site: Site;
  let served: Served;
  let page: Page;
  const screenshots: string[] = [];

  const uploads = () => page.getByRole('region', { name: 'Uploads' });
  const field = (scope: Locator, key: string) => scope.locator(`[data-field="${key}"]`);

  /** Settings as an operator opens it: a fresh page (no form left open by the test before), Alt+4. */
  const openSettings = async (p: Page) => {
    await p.reload();
    await pressUntil(p, 'Alt+4', p.getByRole('heading', { name: 'Settings', level: 2 }));
    await p.getByRole('button', { name: 'Edit uploads' }).waitFor();
  };

  beforeAll(async () => {
    opened = await openSite(CONFIG, {
      viewport: { width: 1366, height: 768 },
      prepare: (site) => mkdir(join(site.root, 'share')),
    });
    ({ site, served, page } = opened);
  });
  afterAll(() => opened?.close());

  test('a bad value: the problem under its field, Save refused, nothing written', async () => {
    const before = await readFile(site.configPath, 'utf8');
    await openSettings(page);
    await page.getByRole('button', { name: 'Edit uploads' }).click();
    const form = page.getByRole('form', { name: 'Edit uploads' });
    // The label is bound to its input; the value in the file is prefilled.
    const filesAtOnce = form.getByLabel('Files at once');
    assert.equal(await filesAtOnce.inputValue(), '4');
    await filesAtOnce.fill('lots');
    const issue = field(form, 'concurrency').locator('.field-issue');
    await issue.waitFor();
    assert.match((await issue.textContent()) ?? '', /concurrency|whole number|integer/i);
    assert.equal(await filesAtOnce.getAttribute('aria-invalid'), 'true');
    assert.equal(await form.getByRole('button', { name: 'Save' }).isDisabled(), true);
    // Enter does not save a form with a problem.
    await filesAtOnce.press('Enter');
    assert.equal(await readFile(site.configPath, 'utf8'), before);

    screenshots.push(
      ...(await screenshotBothThemes(page, 'settings-edit-uploads', '.field-issue', async (p) => {
        await openSettings(p);
        await p.getByRole('button', { name: 'Edit uploads' }).click();
        const f = p.getByRole('form', { name: 'Edit uploads' });
        await f.getByLabel('Files at once').fill('lots');
        await f.locator('[data-field="concurrency"] .field-issue').waitFor();
        await f.scrollIntoViewIfNeeded();
      })),
    );
    // A size below the least part size S3 accepts: the unit check names it too.
    await openSettings(page);
    await page.getByRole('button', { name: 'Edit uploads' }).click();
    await form.getByLabel('Part size').fill('1M');
    const partIssue = field(form, 'partSize').locator('.field-issue');
    await partIssue.waitFor();
    assert.match((await partIssue.textContent()) ?? '', /5 ?MiB|5MiB|partSize/i);
    assert.equal(await field(form, 'concurrency').locator('.field-issue').count(), 0);
    await form.getByRole('button', { name: 'Save' }).waitFor();
    assert.equal(await form.getByRole('button', { name: 'Save' }).isDisabled(), true);
    await openSettings(page);
    await page.getByRole('button', { name: 'Edit uploads' }).click();
    await form.getByLabel('Files at once').fill('6');
    await form.getByLabel('Files at once').press('Escape');
    await page.getByRole('form', { name: 'Edit uploads' }).waitFor({ state: 'detached' });
    assert.equal(await readFile(site.configPath, 'utf8'), before);
  });

  test('Files at once changed and saved: applied, shown, and in the site file with its comments', async () => {
    await openSettings(page);
    await page.getByRole('button', { name: 'Edit uploads' }).click();
    const form = page.getByRole('form', { name: 'Edit uploads' });
    await form.getByLabel('Files at once').fill('8');
    await form.getByRole('status', { name: 'What saving changes' }).waitFor();
    await form.getByLabel('Files at once').press('Enter');
    const outcome = uploads().locator('.save-outcome');
    await outcome.waitFor();
    assert.match((await outcome.textContent()) ?? '', /8/);
    await form.waitFor({ state: 'detached' });
    await waitFor(
      async () => /Files at once\s*8/.test((await uploads().locator('.settings-facts').textContent()) ?? ''),
      'the Uploads facts to show 8 files at once',
    );
    const file = await readFile(site.configPath, 'utf8');
    assert.match(file, /concurrency: 8 # files at once, edited from the UI/);
    assert.match(file, /# This comment must survive saves from the Settings view\./);
    assert.match(file, /# the first camera/);
    assert.ok(!/appl(y|ies) at the next engine start/.test((await page.textContent('main')) ?? ''));
  });

  test('two forms open: saving one does not make the other refuse (this window made the change)', async () => {
    await openSettings(page);
    await page.getByRole('button', { name: 'Edit uploads' }).click();
    const uploadsForm = page.getByRole('form', { name: 'Edit uploads' });
    await uploadsForm.getByLabel('Files at once').fill('7');
    await page.getByRole('button', { name: 'Edit retention' }).click();
    const retentionForm = page.getByRole('form', { name: 'Edit retention and disk guard' });
    await retentionForm.getByLabel('Keep local copies for').fill('5d');
    await retentionForm.getByRole('status', { name: 'What saving changes' }).waitFor();
    await retentionForm.getByLabel('Keep local copies for').press('Enter');
    await retentionForm.waitFor({ state: 'detached' });
    await uploadsForm.getByRole('status', { name: 'What saving changes' }).waitFor();
    await uploadsForm.getByLabel('Files at once').press('Enter');
    await uploadsForm.waitFor({ state: 'detached' });
    const file = await readFile(site.configPath, 'utf8');
    assert.match(file, /concurrency: 7 # files at once, edited from the UI/);
    assert.match(file, /keepFor: "?5d"?/);
  });

  test('a capture folder added from the UI: a file dropped into it reaches Uploaded, no restart', async () => {
    const pid = served.process.pid;
    const second = join(site.root, 'captures-2');
    await mkdir(second);
    await openSettings(page);
    await page.getByRole('button', { name: 'Add a folder' }).click();
    const form = page.getByRole('form', { name: 'New capture folder' });
    await form.getByLabel('Folder id').fill('cam2');
    await form.getByLabel('Folder', { exact: true }).fill(second);
    await form.getByLabel('Unchanged for').fill('200ms');
    screenshots.push(
      ...(await screenshotBothThemes(
        page,
        'settings-add-folder',
        'form[aria-label="New capture folder"]',
        async (p) => {
          await openSettings(p);
          await p.getByRole('button', { name: 'Add a folder' }).click();
          const f = p.getByRole('form', { name: 'New capture folder' });
          await f.getByLabel('Folder id').fill('cam2');
          await f.getByLabel('Folder', { exact: true }).fill(second);
          await f.getByLabel('Unchanged for').fill('200ms');
          await f.scrollIntoViewIfNeeded();
        },
      )),
    );
    await openSettings(page);
    await page.getByRole('button', { name: 'Add a folder' }).click();
    await form.getByLabel('Folder id').fill('cam2');
    await form.getByLabel('Folder', { exact: true }).fill(second);
    await form.getByLabel('Unchanged for').fill('200ms');
    await form.getByRole('button', { name: 'Add and start watching' }).click();
    await page.getByRole('article', { name: 'Capture folder cam2' }).waitFor();
    const file = await readFile(site.configPath, 'utf8');
    assert.match(file, /id: cam2/);
    assert.match(file, /# the first camera/);

    await dropFile(join(second, 'from-cam2.log'), 'a line from the second camera\n');
    await pressUntil(page, 'Alt+1', page.getByRole('tab', { name: /Uploaded/ }));
    await waitFor(
      async () => (await page.getByTestId('count-uploaded').textContent()) === '1',
      'the file from cam2 to be uploaded',
      30_000,
    );
    await page.getByRole('tab', { name: /Uploaded/ }).click();
    await page.getByRole('option', { name: /from-cam2\.log/ }).waitFor();
    assert.equal(served.process.pid, pid);
    assert.equal(served.process.exitCode, null, 'serve kept running');
  });

  test('a destination edit form: fields prefilled, Test connection with the edited values', async () => {
    await openSettings(page);
    const card = page.getByRole('article', { name: 'Destination share' });
    await card.getByRole('button', { name: 'Edit' }).click();
    const form = card.getByRole('form', { name: 'Edit destination share' });
    assert.equal(await form.getByLabel('Folder').inputValue(), join(site.root, 'share'));
    await form.getByLabel('Folder').fill(join(site.root, 'nowhere'));
    await form.getByRole('button', { name: 'Test connection with these values' }).click();
    const report = card.getByRole('region', { name: 'Test connection result' });
    await report.locator('.connection-test-verdict', { hasText: /Path exists failed/ }).waitFor();
    screenshots.push(
      ...(await screenshotBothThemes(page, 'settings-edit-destination', '.connection-test', async (p) => {
        await openSettings(p);
        const c = p.getByRole('article', { name: 'Destination share' });
        await c.getByRole('button', { name: 'Edit' }).click();
        const f = c.getByRole('form', { name: 'Edit destination share' });
        await f.getByLabel('Folder').fill(join(site.root, 'nowhere'));
        await f.getByRole('button', { name: 'Test connection with these values' }).click();
        await c.locator('.connection-test').waitFor();
      })),
    );
    assert.equal(screenshots.length, 6);
  });

  test('a destination added from the UI: written into the list, shown with its state', async () => {
    const cold = join(site.root, 'cold');
    await mkdir(cold);
    await openSettings(page);
    await page.getByRole('button', { name: 'Add a destination' }).click();
    const form = page.getByRole('form', { name: 'New destination' });
    await form.getByLabel('Name', { exact: true }).fill('cold');
    await form.getByLabel('Type', { exact: true }).selectOption('filesystem');
    await form.getByLabel('Folder', { exact: true }).fill(cold);
    await form.getByRole('button', { name: 'Add destination' }).click();
    await page.getByRole('article', { name: 'Destination cold' }).waitFor();
    const file = await readFile(site.configPath, 'utf8');
    assert.match(file, /- name: share[\s\S]*- name: cold\s+type: filesystem\s+path: /);
    assert.match(file, /# This comment must survive saves from the Settings view\./);
  });
});
