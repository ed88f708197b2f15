import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { dropFile, makeSite, type Site, waitFor } from '../support/engine-fixtures.ts';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.ts';
import { type RgwServer, startRgw } from '../support/rgw.ts';
import { makeTestClient, readObject, sha256 } from '../support/s3-client.ts';
import { createBucket, hostPort } from '../support/upload-e2e-fixtures.ts';
import { launchChromium, pressUntil, type Served, screenshotBothThemes, serve } from './browser.ts';

/**
 * The operator's day against a real object store: `edge-capture serve` uploading to a real Ceph RGW
 * (behind a TCP fault proxy on loopback), in Debian's headless Chromium. Files dropped into the capture
 * folder reach Uploaded and are read back from the bucket; a skipped file shows its reason; the store is
 * cut: the offline banner appears with its last success and next check, files wait; the store comes back
 * and the banner goes by itself, the waiting file arrives; Test connection on the real store passes every
 * step, and on a draft pointing at a closed port stops at the TCP step with the fix.
 */
const BUCKET = 'ui-e2e';

describe('operator UI against a real Ceph RGW (serve + Chromium)', () => {
  let rgw: RgwServer;
  let client: S3Client;
  let proxy: FaultProxy;
  let site: Site;
  let served: Served;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    rgw = await startRgw();
    client = makeTestClient(rgw);
    await createBucket(client, BUCKET);
    proxy = await startFaultProxy(hostPort(rgw.endpoint));
    const destination = {
      name: 'core',
      type: 's3',
      endpoint: proxy.endpoint,
      bucket: BUCKET,
      region: rgw.region,
      forcePathStyle: true,
      credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    };
    site = await makeSite(
      ({ captures, dataDir }) => `
site: rgw-e2e
device: gw1
dataDir: ${dataDir}
folders: [{ id: cam, path: ${captures}, stableWindow: 200ms }]
reconcileInterval: 0
upload: { offlineProbeInterval: 1s, requestTimeout: 3s }
destinations: [${JSON.stringify(destination)}]
rules:
  - name: frames
    when: { extension: jpg }
    action: upload
  - name: notes
    when: { extension: txt }
    action: skip
    reason: Operator notes stay on site
defaultAction: { action: skip, reason: nothing matched }
`,
    );
    served = await serve(site.configPath);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(served.url);
    await page.getByRole('tab', { name: /In progress/ }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    await proxy?.close();
    await rgw?.stop();
    await site?.cleanup();
  });

  const jpeg = (n: number) =>
    Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0]),
      Buffer.alloc(2000 + n, n),
      Buffer.from([0xff, 0xd9]),
    ]);

  test('dropped files reach Uploaded and are in the bucket byte for byte; a skipped file shows why', async () => {
    await dropFile(join(site.captures, 'frame-1.jpg'), jpeg(1));
    await dropFile(join(site.captures, 'note.txt'), 'shift change at 06:00\n');
    const uploadedTab = page.getByRole('tab', { name: /Uploaded/ });
    await waitFor(
      async () => /Uploaded\s*1\b/.test((await uploadedTab.textContent()) ?? ''),
      'Uploaded 1',
      30_000,
    );
    await uploadedTab.click();
    await page.getByRole('option', { name: /frame-1\.jpg/ }).click();
    const detail = page.getByRole('article', { name: /Details of frame-1\.jpg/ });
    const key = ((await detail.locator('dd.mono').nth(1).textContent()) ?? '').trim();
    assert.match(key, /frame-1\.jpg$/);
    const stored = await readObject(client, BUCKET, key);
    assert.equal(sha256(stored), sha256(jpeg(1)));

    await page.getByRole('tab', { name: /Skipped/ }).click();
    await page.getByRole('option', { name: /note\.txt/ }).click();
    await page
      .getByRole('article', { name: /Details of note\.txt/ })
      .getByText('Operator notes stay on site')
      .first()
      .waitFor();
  });

  test('the store is cut: a banner says so, files wait; it comes back: the banner goes and the file arrives', async () => {
    await proxy.setMode({ mode: 'refuse' });
    proxy.cutAllConnections();
    await dropFile(join(site.captures, 'frame-2.jpg'), jpeg(2));
    const banner = page.getByRole('alert', { name: /Destination core offline/ });
    await banner.waitFor({ timeout: 60_000 });
    const text = (await banner.textContent()) ?? '';
    assert.match(text, /OFFLINE/);
    assert.match(text, /Last successful upload\s*\d/);
    assert.match(text, /Next check\s*(in \d+ s|now)/);
    await page.getByRole('tab', { name: /In progress/ }).click();
    await page.getByRole('option', { name: /frame-2\.jpg/ }).waitFor();
    await screenshotBothThemes(page, 'offline-banner-rgw', '.destination-banner');

    await proxy.setMode({ mode: 'pass' });
    await page.locator('.destination-banner').waitFor({ state: 'detached', timeout: 60_000 });
    const uploadedTab = page.getByRole('tab', { name: /Uploaded/ });
    await waitFor(
      async () => /Uploaded\s*2\b/.test((await uploadedTab.textContent()) ?? ''),
      'Uploaded 2',
      60_000,
    );
  });

  test('Test connection: every step passes on the real store; a closed port stops at TCP with the fix', async () => {
    const card = page.getByRole('article', { name: 'Destination core' });
    await pressUntil(page, 'Alt+4', card);
    await card.getByRole('button', { name: 'Test connection' }).click();
    const report = card.getByRole('region', { name: 'Test connection result' });
    await report.locator('.connection-test-verdict').waitFor({ timeout: 30_000 });
    const verdict = (await report.textContent()) ?? '';
    assert.match(verdict, /Every check passed/, verdict);
    const steps = await report
      .locator('.connection-step')
      .evaluateAll((items) => items.map((i) => i.getAttribute('data-step')));
    for (const step of ['dns', 'tcp', 'credentials', 'bucket', 'write', 'delete'])
      assert.ok(steps.includes(step), `${step} in ${steps}`);

    await card.getByRole('button', { name: 'Try other settings…' }).click();
    const form = card.getByRole('form', { name: 'Other settings to test' });
    const closed = await startFaultProxy(hostPort(rgw.endpoint));
    const closedPort = closed.port;
    await closed.close();
    await form.getByLabel('Endpoint').fill(`http://127.0.0.1:${closedPort}`);
    await form.getByRole('button', { name: 'Test these settings' }).click();
    const bad = card.getByRole('region', { name: 'Test connection result' });
    await bad.locator('.connection-test-verdict', { hasText: /failed/ }).waitFor({ timeout: 30_000 });
    const tcp = (await bad.locator('[data-step="tcp"]').textContent()) ?? '';
    assert.match(tcp, /refused/, (await bad.textContent()) ?? '');
    assert.match(tcp, /Fix:/);
    assert.match((await bad.locator('[data-step="credentials"]').textContent()) ?? '', /Not tried/);
  });
});
