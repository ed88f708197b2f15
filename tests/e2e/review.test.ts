import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { simulate } from '../../main/simulate/index.ts';
import { round, toPixels } from '../../renderer/src/review/editor.ts';
import { makeSite, type Site, waitFor } from '../support/engine-fixtures.ts';
import { type RgwServer, startRgw } from '../support/rgw.ts';
import { makeTestClient, readObject } from '../support/s3-client.ts';
import { createBucket, headOrAbsent, listObjects } from '../support/upload-e2e-fixtures.ts';
import { launchChromium, SCREENSHOTS, type Served, screenshotBothThemes, serve } from './browser.ts';

/**
 * A reviewer's session end to end: `edge-capture serve` on the simulator's realistic frames (640×480
 * JPEGs with sidecars and deliberate mistakes), a real Ceph RGW as the core store, Debian's Chromium.
 * Twenty items reviewed with the keyboard alone (accept, change class, reject, delete a box; held
 * items uploaded or dropped), the page reloaded in the middle, the engine stopped for a while (the
 * outbox keeps what is reviewed meanwhile) and started again on the same data and port. Then the bucket:
 * every correction exactly once with the right content, held items uploaded or dropped as decided, the
 * day's manifest and COCO file loadable. Screenshots of Review, the agreement chart and Catalog.
 */
const BUCKET = 'review-e2e';
const SITE = 'plant9';
const FRAMES = 30;
const STEPS = 20;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

type Sidecar = { model_version: string; predictions: { label: string; box: Parameters<typeof round>[0] }[] };
type Expected = {
  fileId: number;
  relPath: string;
  objects: { label: string; box?: unknown; from?: number }[];
};

describe('reviewing with the keyboard (serve + Chromium + Ceph RGW)', () => {
  let rgw: RgwServer;
  let s3: S3Client;
  let site: Site;
  let port: number;
  let running: Served;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    rgw = await startRgw();
    s3 = makeTestClient(rgw);
    await createBucket(s3, BUCKET);
    const destination = {
      name: 'core',
      type: 's3',
      endpoint: rgw.endpoint,
      bucket: BUCKET,
      region: rgw.region,
      forcePathStyle: true,
      credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    };
    site = await makeSite(
      ({ captures, dataDir }) => `
site: ${SITE}
device: gw1
dataDir: ${dataDir}
folders: [{ id: cam, path: ${captures}, stableWindow: 200ms }]
reconcileInterval: 0
destinations: [${JSON.stringify(destination)}]
review: { destination: core }
rules:
  - name: check-people
    when: { contentType: 'image/*', prediction: { class: person, score: { max: 0.6 } } }
    action: hold
    reason: A person the model was unsure of
  - name: frames
    when: { contentType: 'image/*' }
    action: upload
defaultAction: { action: skip, reason: nothing matched }
`,
    );
    await simulate({
      to: site.captures,
      ratePerSec: Number.POSITIVE_INFINITY,
      count: FRAMES,
      seed: 11,
      mix: { image: 1 },
      subdirs: false,
      mistakeRate: 0.3,
    });
    port = await freePort();
    running = await serve(site.configPath, port);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(running.url);
    await page.goto(`${new URL(running.url).origin}/#/review`);
  });
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
    await rgw?.stop();
    await site?.cleanup();
  });

  const rows = () => page.locator('.review-row');
  const active = async () => {
    const row = page.locator('.review-row.active');
    const fileId = Number(await row.getAttribute('data-file-id'));
    await page.locator(`.review-stage[data-file-id="${fileId}"]`).waitFor({ timeout: 20_000 });
    // The picture is drawn (its boxes are in pixels once the size is known).
    await page.locator('.review-stage .stage, .review-stage .data-preview').first().waitFor();
    return {
      fileId,
      relPath: ((await row.locator('.row-path').textContent()) ?? '').trim(),
      held: /held ·/.test((await row.textContent()) ?? ''),
    };
  };
  const unsynced = async () => Number(await page.locator('.sync-badge').getAttribute('data-unsynced'));

  test('twenty items with the keyboard, a reload, the engine away and back; the store has each once', async () => {
    // The name is typed once; everything after is keys.
    await page.getByLabel(/Your name/).fill('ana');
    await page.keyboard.press('Enter');
    await waitFor(
      async () => {
        await page.reload();
        await rows().first().waitFor({ timeout: 10_000 });
        return (await rows().count()) >= FRAMES;
      },
      `${FRAMES} items in the review queue`,
      120_000,
    );

    const expected: Expected[] = [];
    const held: { fileId: number; decision: 'upload' | 'drop' }[] = [];
    /** The first held item is left undecided, to be decided while the engine is stopped. */
    let heldForOffline: number | undefined;
    const review = async (step: number) => {
      const item = await active();
      const sidecar = JSON.parse(
        await readFile(join(site.captures, item.relPath.replace(/\.jpg$/, '.pred.json')), 'utf8'),
      ) as Sidecar;
      const predicted = sidecar.predictions.map((p, from) => ({
        label: p.label,
        box: round(toPixels(p.box, { width: 640, height: 480 })),
        from,
      }));
      if (item.held && heldForOffline === undefined) heldForOffline = item.fileId;
      else if (item.held) {
        const decision = held.length % 2 === 0 ? 'upload' : 'drop';
        await page.keyboard.press(decision === 'upload' ? 'u' : 'd');
        // Saved in the outbox, sent, and answered: the held box says what the engine did.
        const box = page.locator('.review-side .held-box[data-status="done"]');
        await box.getByText(decision === 'upload' ? /Queued for upload/ : /Dropped/).waitFor();
        held.push({ fileId: item.fileId, decision });
      }
      let objects = predicted;
      const kind = predicted.length === 0 ? 0 : step % 4;
      if (kind === 1) {
        const second = (await page.locator('.class-keys .chip').nth(1).textContent())
          ?.replace(/^2\s*/, '')
          .trim();
        assert.ok(second);
        await page.keyboard.press('2');
        objects = predicted.map((o, i) => (i === 0 ? { ...o, label: second } : o));
        await page.keyboard.press('Enter');
      } else if (kind === 2) {
        await page.keyboard.press('r');
        objects = [];
      } else if (kind === 3) {
        await page.keyboard.press('Tab');
        await page.keyboard.press('Delete');
        objects = predicted.slice(1);
        await page.keyboard.press('Enter');
      } else {
        await page.keyboard.press('Enter');
      }
      expected.push({ fileId: item.fileId, relPath: item.relPath, objects });
      // On to the next item.
      await waitFor(
        async () =>
          Number(await page.locator('.review-row.active').getAttribute('data-file-id')) !== item.fileId,
        'the next item',
      );
    };

    for (let step = 0; step < 8; step++) await review(step);
    // A reload in the middle: the page opens at the next item not decided yet, nothing is lost.
    await page.reload();
    await rows().first().waitFor();
    await waitFor(
      async () =>
        Number(await page.locator('.review-row.active').getAttribute('data-file-id')) !== expected[0]?.fileId,
      'the first undecided item after the reload',
    );
    const reopened = await active();
    assert.ok(!expected.some((e) => e.fileId === reopened.fileId), 'opens at an item not reviewed yet');
    for (let step = 8; step < 12; step++) await review(step);

    // The engine goes away (its process stopped); the next items were prepared ahead and stay reviewable.
    await waitFor(async () => (await unsynced()) === 0, 'the first twelve synced');
    await page.waitForTimeout(1500);
    await running.stop();
    await page.locator('.link-dot.disconnected').waitFor();
    // The held item left undecided: back to it with the arrows, upload it while the engine is away.
    assert.ok(heldForOffline !== undefined, 'a held item among the first twelve');
    const resumeAt = Number(await page.locator('.review-row.active').getAttribute('data-file-id'));
    const activeId = async () =>
      Number(await page.locator('.review-row.active').getAttribute('data-file-id'));
    for (let presses = 0; (await activeId()) !== heldForOffline; presses++) {
      assert.ok(presses < FRAMES, 'the held item is reachable with the arrows');
      await page.keyboard.press('ArrowUp');
    }
    await active();
    await page.keyboard.press('u');
    await page.locator('.review-side .held-box[data-status="pending"][data-decision="upload"]').waitFor();
    await page
      .locator(`.review-row[data-file-id="${heldForOffline}"][data-held-decision="upload:pending"]`)
      .waitFor();
    assert.equal(await page.locator('.sync-badge').getAttribute('data-held-unsynced'), '1');
    assert.match((await page.locator('.sync-badge').textContent()) ?? '', /1 held decision not synced yet/);
    // Screenshots of the pending decision (the page cannot be reloaded with its server stopped).
    await mkdir(SCREENSHOTS, { recursive: true });
    for (const theme of ['light', 'dark'] as const) {
      await page.evaluate((value) => {
        document.documentElement.dataset['theme'] = value;
      }, theme);
      await page.waitForTimeout(200);
      await page.screenshot({ path: join(SCREENSHOTS, `review-held-pending-${theme}.png`) });
    }
    await page.evaluate(() => {
      document.documentElement.dataset['theme'] = 'light';
    });
    held.push({ fileId: heldForOffline, decision: 'upload' });
    while ((await activeId()) !== resumeAt) await page.keyboard.press('ArrowDown');
    for (let step = 12; step < 16; step++) await review(step);
    assert.ok((await unsynced()) >= 4, 'the four reviewed while the engine was away wait in the outbox');
    const badge = (await page.locator('.sync-badge').textContent()) ?? '';
    assert.match(badge, /not synced yet/);

    // Back on the same data folder and port: the page reconnects and the outbox empties by itself.
    running = await serve(site.configPath, port);
    await waitFor(async () => (await unsynced()) === 0, 'the outbox to sync after the restart', 60_000);
    await page
      .locator(`.review-row[data-file-id="${heldForOffline}"][data-held-decision="upload:done"]`)
      .waitFor();
    for (let step = 16; step < STEPS; step++) await review(step);
    await waitFor(async () => (await unsynced()) === 0, 'the last ones synced');

    // The store: every correction exactly once, with the content the reviewer gave.
    const prefix = `${SITE}/corrections/`;
    const isCorrection = (key: string) =>
      /\/corrections\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f-]{36}\.json$/.test(key);
    const objects = await waitFor(
      async () => {
        const all = await listObjects(s3, BUCKET);
        const found = all.filter((o) => o.key.startsWith(prefix) && isCorrection(o.key));
        return found.length >= STEPS ? all : undefined;
      },
      `${STEPS} correction objects in the bucket`,
      120_000,
    );
    const corrections = await Promise.all(
      objects
        .filter((o) => isCorrection(o.key))
        .map(async (o) => JSON.parse((await readObject(s3, BUCKET, o.key)).toString('utf8'))),
    );
    assert.equal(corrections.length, STEPS, 'one object per correction, none twice');
    for (const want of expected) {
      const got = corrections.filter((c) => c.capture.fileId === want.fileId);
      assert.equal(got.length, 1, `${want.relPath} corrected once`);
      const [correction] = got;
      assert.equal(correction.reviewer, 'ana');
      assert.equal(correction.site, SITE);
      assert.deepEqual(correction.corrected.objects, want.objects, `${want.relPath}: the reviewer's objects`);
      assert.equal(correction.capture.width, 640);
      assert.equal(correction.capture.height, 480);
      assert.match(correction.capture.sha256, /^[0-9a-f]{64}$/);
    }

    // Held items: uploaded ones are in the bucket under the rules' key, dropped ones are not.
    assert.ok(held.length >= 1, 'some reviewed items were held');
    for (const h of held) {
      const correction = corrections.find((c) => c.capture.fileId === h.fileId);
      const key = correction.capture.objectKey as string;
      assert.ok(key, 'the held capture has the key its rules give');
      if (h.decision === 'upload') {
        await waitFor(
          async () => (await headOrAbsent(s3, BUCKET, key)) !== undefined,
          `${key} uploaded`,
          60_000,
        );
        // Once: a single object under the key, with no second version beside it.
        const under = (await listObjects(s3, BUCKET)).filter((o) => o.key === key);
        assert.equal(under.length, 1, `${key} stored once`);
      } else assert.equal(await headOrAbsent(s3, BUCKET, key), undefined, `${key} dropped, not uploaded`);
    }

    // The day's manifest (JSON Lines) and COCO file load, and join up.
    const day = new Date().toISOString().slice(0, 10);
    const manifestKey = `${SITE}/corrections/manifests/${day}.jsonl`;
    const cocoKey = `${SITE}/corrections/coco/${day}.json`;
    const manifest = await waitFor(
      async () => {
        const text = await readObject(s3, BUCKET, manifestKey).catch(() => undefined);
        const lines = text?.toString('utf8').trim().split('\n') ?? [];
        return lines.length === STEPS ? lines.map((l) => JSON.parse(l)) : undefined;
      },
      'the manifest with every corrected capture',
      60_000,
    );
    assert.deepEqual(
      manifest.map((l: { fileId: number }) => l.fileId).sort((a: number, b: number) => a - b),
      expected.map((e) => e.fileId).sort((a, b) => a - b),
    );
    for (const line of manifest) assert.equal(line.corrections.length, 1);
    const coco = await waitFor(
      async () => {
        const text = await readObject(s3, BUCKET, cocoKey).catch(() => undefined);
        const parsed = text ? JSON.parse(text.toString('utf8')) : undefined;
        return parsed?.images?.length === STEPS ? parsed : undefined;
      },
      'the COCO file',
      60_000,
    );
    const imageIds = new Set(coco.images.map((i: { id: number }) => i.id));
    const categoryIds = new Set(coco.categories.map((c: { id: number }) => c.id));
    const wantAnnotations = expected.reduce((n, e) => n + e.objects.length, 0);
    assert.equal(coco.annotations.length, wantAnnotations);
    for (const a of coco.annotations) {
      assert.ok(imageIds.has(a.image_id) && categoryIds.has(a.category_id));
      assert.equal(a.bbox.length, 4);
      assert.ok(Math.abs(a.area - a.bbox[2] * a.bbox[3]) < 1e-6);
    }
  });

  test('screenshots: Review, the agreement chart and Catalog, light and dark', async () => {
    await page.goto(`${new URL(running.url).origin}/#/review`);
    // An item with boxes on it, the second model object selected.
    await screenshotBothThemes(page, 'review', '.review-stage .stage svg .box', async (p) => {
      await p.locator('.review-row').filter({ hasText: /\+2/ }).first().locator('.row-open').click();
      await p.locator('.review-stage .stage svg .box').first().waitFor();
      await p.keyboard.press('Tab');
      await p.keyboard.press('Tab');
    });
    await screenshotBothThemes(page, 'review-agreement', '.agreement-plot canvas', async (p) => {
      await p.getByRole('tab', { name: 'Agreement' }).click();
    });
    await page.goto(`${new URL(running.url).origin}/#/catalog`);
    await screenshotBothThemes(page, 'catalog', '.result img');
    // A result opened: its story (state, decision, predictions, history) beside the results.
    await screenshotBothThemes(page, 'catalog-story', '.file-story h2', async (p) => {
      await p.locator('.result-open').first().click();
    });
  });
});
