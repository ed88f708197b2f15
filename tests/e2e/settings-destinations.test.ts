import assert from 'node:assert/strict';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { dropFile, oneCameraYaml, type Site, waitFor } from '../support/engine-fixtures.ts';
import { type OpenSite, openSite, pressUntil, screenshotBothThemes } from './browser.ts';

/**
 * Destinations in the operator UI, end to end: `edge-capture serve` on a site with two folder
 * destinations (real shares on disk), in Debian's headless Chromium. One share is cut (its folder
 * moved away): an offline banner names it with its last success and next check, the other keeps
 * receiving, and when the folder is back the banner goes by itself and the waiting file arrives.
 * Test connection on a good destination, on the cut one and on a draft path through a file; the
 * bandwidth timetable edited as rows, previewed in words, applied and saved with comments kept.
 */
const CONFIG = ({ captures, dataDir }: { captures: string; dataDir: string }) => `# Destinations e2e site.
# This comment must survive saves from the Settings view.
site: dest-e2e
device: gw-dest
${oneCameraYaml({ captures, dataDir })}
upload:
  offlineProbeInterval: 1s # quick recovery for the test
destinations:
  - name: share
    type: filesystem
    path: ${join(dataDir, '..', 'share')}
  - name: archive # the cold store
    type: filesystem
    path: ${join(dataDir, '..', 'archive')}
rules:
  - name: logs
    when: { extension: log }
    action: upload
    to: [share, archive]
defaultAction: { action: skip, reason: nothing matched }
`;

describe('destinations and settings end to end (serve + Chromium)', () => {
  let opened: OpenSite;
  let site: Site;
  let page: Page;
  const screenshots: string[] = [];
  let archive: string;

  const chip = (name: string) => page.locator(`.destination-strip [data-destination="${name}"]`);

  beforeAll(async () => {
    opened = await openSite(CONFIG, {
      viewport: { width: 1366, height: 900 },
      prepare: async (site) => {
        archive = join(site.root, 'archive');
        await mkdir(join(site.root, 'share'));
        await mkdir(archive);
      },
    });
    ({ site, page } = opened);
  });
  afterAll(() => opened?.close());

  test('the Queues header shows each destination with its state and counts', async () => {
    await dropFile(join(site.captures, 'first.log'), 'before the outage\n');
    await waitFor(
      async () => /1 uploaded/.test((await chip('archive').textContent()) ?? ''),
      'archive: 1 uploaded',
      20_000,
    );
    assert.match((await chip('share').textContent()) ?? '', /share\s*online.*1 uploaded/);
    assert.equal(await page.locator('.destination-banner').count(), 0, 'no banner while both work');
  });

  test('the archive cut: a banner names it, the share goes on, and it recovers by itself', async () => {
    await rename(archive, `${archive}.away`);
    await dropFile(join(site.captures, 'second.log'), 'during the outage\n');
    const banner = page.getByRole('alert', { name: /Destination archive offline/ });
    await banner.waitFor({ timeout: 20_000 });
    const text = (await banner.textContent()) ?? '';
    assert.match(text, /Destination “archive” is OFFLINE/);
    assert.match(text, /uploads to it are paused; “share” goes on\./);
    assert.match(text, /Last successful upload\s*\d/);
    assert.match(text, /Next check\s*(in \d+ s|now)/);
    assert.match(text, /does not exist \(is the share mounted\?\)/);
    assert.match(text, /Waiting for it\s*1 file/);
    // Only the archive pauses: the share got the new file.
    await waitFor(
      async () => /2 uploaded/.test((await chip('share').textContent()) ?? ''),
      'share: 2 uploaded',
      20_000,
    );
    assert.match((await chip('archive').textContent()) ?? '', /OFFLINE|offline/);
    screenshots.push(...(await screenshotBothThemes(page, 'offline-banner', '.destination-banner')));
    await page.getByRole('tab', { name: /In progress/ }).waitFor();

    // Test connection on the cut destination says what is wrong and what to do (Alt+4: Settings).
    const card = page.getByRole('article', { name: 'Destination archive' });
    await pressUntil(page, 'Alt+4', card);
    await card.getByRole('button', { name: 'Test connection' }).click();
    const report = card.getByRole('region', { name: 'Test connection result' });
    await report.waitFor();
    assert.match(
      (await report.locator('.connection-test-verdict').textContent()) ?? '',
      /Path exists failed/,
    );
    const exists = report.locator('[data-step="exists"]');
    assert.match((await exists.textContent()) ?? '', /archive does not exist.*Fix: Mount the share/);
    assert.match((await report.locator('[data-step="writable"]').textContent()) ?? '', /Not tried/);

    await rename(`${archive}.away`, archive);
    await pressUntil(page, 'Alt+1', page.getByRole('tab', { name: /In progress/ }));
    await page.locator('.destination-banner').waitFor({ state: 'detached', timeout: 20_000 });
    await waitFor(
      async () => /2 uploaded/.test((await chip('archive').textContent()) ?? ''),
      'archive: 2 uploaded after recovery',
      20_000,
    );
    assert.match((await chip('archive').textContent()) ?? '', /online/);
  });

  test('Test connection: every step passes on a good destination; a draft through a file fails with the fix', async () => {
    const share = page.getByRole('article', { name: 'Destination share' });
    await pressUntil(page, 'Alt+4', share);
    await share.getByRole('button', { name: 'Test connection' }).click();
    const report = share.getByRole('region', { name: 'Test connection result' });
    await report.getByText(/Every check passed/).waitFor();
    assert.deepEqual(
      await report
        .locator('.connection-step')
        .evaluateAll((items) => items.map((i) => i.getAttribute('data-step'))),
      ['exists', 'folder', 'writable', 'space', 'roundtrip'],
    );
    assert.equal(await report.locator('.connection-step.bad').count(), 0);
    assert.match(
      (await report.locator('[data-step="roundtrip"]').textContent()) ?? '',
      /synced it to disk, read it back unchanged and deleted it/,
    );

    await writeFile(join(site.root, 'a-file'), 'not a folder');
    const archiveCard = page.getByRole('article', { name: 'Destination archive' });
    await archiveCard.getByRole('button', { name: 'Try other settings…' }).click();
    const form = archiveCard.getByRole('form', { name: 'Other settings to test' });
    await form.getByLabel('Folder').fill(join(site.root, 'a-file', 'edge'));
    await form.getByRole('button', { name: 'Test these settings' }).click();
    const bad = archiveCard.getByRole('region', { name: 'Test connection result' });
    await bad.locator('.connection-test-verdict', { hasText: /Path exists failed/ }).waitFor();
    assert.match(
      (await bad.locator('[data-step="exists"]').textContent()) ?? '',
      /a-file is a file, not a folder.*Fix: Point the destination path at a folder/,
    );
    screenshots.push(
      ...(await screenshotBothThemes(page, 'settings', '.connection-test', async (p) => {
        await p
          .getByRole('article', { name: 'Destination share' })
          .getByRole('button', { name: 'Test connection' })
          .click();
        const card = p.getByRole('article', { name: 'Destination archive' });
        await card.getByRole('button', { name: 'Try other settings…' }).click();
        await card.getByLabel('Folder').fill(join(site.root, 'a-file', 'edge'));
        await card.getByRole('button', { name: 'Test these settings' }).click();
        await p.locator('.connection-test').nth(1).waitFor();
      })),
    );
  });

  test('bandwidth: a weekly timetable edited as rows, previewed in words, applied and saved with comments kept', async () => {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Settings' }).click();
    const panel = page.locator('.bandwidth-panel');
    await panel.getByLabel('Weekly timetable').check();
    await panel.getByLabel('Row 1 limit').fill('1M');
    await panel.getByRole('button', { name: 'Add a row' }).click();
    await panel.getByLabel('Row 3 day').selectOption('Sat');
    await panel.getByLabel('Row 3 time').fill('25:00');
    await panel.getByText('25:00 is not a time of day: use 00:00 to 23:59.').waitFor();
    assert.equal(await panel.getByRole('button', { name: 'Apply now and save' }).isDisabled(), true);
    await panel.getByLabel('Row 3 time').fill('00:00');
    await panel.getByLabel('Row 3 limit').fill('off');
    assert.equal(
      await panel.getByLabel('Timetable as text').inputValue(),
      '08:00,1M 18:00,off Sat-00:00,off',
    );
    const preview = panel.getByRole('status', { name: 'Schedule in words' });
    await preview.getByText('Saturday from 00:00: no limit').waitFor();
    assert.match(
      (await preview.textContent()) ?? '',
      /Every day from 08:00: 1 MiB\/s.*Every day from 18:00: no limit/,
    );
    assert.match((await preview.textContent()) ?? '', /Limit in force now:/);
    await panel.getByRole('button', { name: 'Apply now and save' }).click();
    await panel.getByText(/in the running engine and in the site file/).waitFor();
    const file = await readFile(site.configPath, 'utf8');
    assert.match(
      file,
      /^# Destinations e2e site\.\n# This comment must survive saves from the Settings view\./,
    );
    assert.match(
      file,
      /offlineProbeInterval: 1s # quick recovery for the test\n {2}bandwidth: "08:00,1M 18:00,off Sat-00:00,off"\n/,
    );
    assert.match(file, /- name: archive # the cold store/);
    await panel.getByText(/In the site file:\s*08:00,1M 18:00,off Sat-00:00,off/).waitFor();
    screenshots.push(
      ...(await screenshotBothThemes(page, 'settings-bandwidth', '.schedule-table', async (p) => {
        await p.locator('.schedule-preview li').first().waitFor();
        await p.locator('.bandwidth-panel').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      })),
      ...(await screenshotBothThemes(page, 'settings-more', '.settings-columns', async (p) => {
        await p.locator('.settings-columns').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      })),
    );
  });

  test('screenshots of the offline banner and the Settings view, both themes', () => {
    assert.deepEqual(
      screenshots.map((path) => path.split('/').at(-1)),
      [
        'offline-banner-light.png',
        'offline-banner-dark.png',
        'settings-light.png',
        'settings-dark.png',
        'settings-bandwidth-light.png',
        'settings-bandwidth-dark.png',
        'settings-more-light.png',
        'settings-more-dark.png',
      ],
    );
  });
});
