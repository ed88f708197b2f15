import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { type SimulatedCapture, simulate } from '../../main/simulate/index.ts';
import { EngineClient } from '../../renderer/src/contract/client.ts';
import { webSocketTransport } from '../../renderer/src/contract/websocket-transport.ts';
import type { CatalogFilterMessage, CatalogItemMessage } from '../../shared/contract/index.ts';
import { ACTIVE_STATES } from '../../shared/status.ts';
import { makeSite, type Site, waitFor } from '../support/engine-fixtures.ts';
import { launchChromium, type Served, serve } from './browser.ts';

/**
 * The Catalog view end to end: `edge-capture serve` on the simulator's realistic captures (640×480
 * JPEGs with prediction sidecars, and CSV/JSON/log files, some with personal data), Debian's Chromium.
 * A search by class and score range, then one by a tag family (`pii:`), made with the view's own
 * controls: the results and the count shown must be what the engine's `catalog.search` gives for the
 * intended filter (and, for class + score, what the sidecars on disk say), so a view that sent other
 * filters fails. The class + score search is saved as a data set and exported to a filesystem
 * destination from the view; the manifest and COCO file the UI names are read from disk and checked
 * line by line against the captures.
 */
const SITE = 'plant4';
const CAPTURES = 48;
const LOW = 0.5;
const HIGH = 0.9;

type Sidecar = {
  model_version: string;
  predictions: { label: string; score: number; box?: { x: number; y: number; w: number; h: number } }[];
};

async function allMatches(client: EngineClient, filter: CatalogFilterMessage): Promise<CatalogItemMessage[]> {
  const found: CatalogItemMessage[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.request('catalog.search', {
      filter,
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    found.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return found;
}

describe('Catalog view (serve + Chromium)', () => {
  let site: Site;
  let served: Served;
  let browser: Browser;
  let page: Page;
  let client: EngineClient;
  const written: SimulatedCapture[] = [];
  const share = () => join(site.root, 'share');

  beforeAll(async () => {
    site = await makeSite(
      ({ captures, dataDir }) => `
site: ${SITE}
device: gw2
dataDir: ${dataDir}
folders: [{ id: cam, path: ${captures}, stableWindow: 200ms }]
reconcileInterval: 0
destinations:
  - { name: share, type: filesystem, path: ${join(captures, '..', 'share')} }
rules:
  - name: frames
    when: { contentType: 'image/*' }
    action: upload
defaultAction: { action: skip, reason: not a frame }
`,
    );
    await simulate({
      to: site.captures,
      ratePerSec: Number.POSITIVE_INFINITY,
      count: CAPTURES,
      seed: 23,
      mix: { image: 3, csv: 1, json: 1, log: 1 },
      piiShare: 0.6,
      subdirs: false,
      mistakeRate: 0.3,
      onCapture: (c) => written.push(c),
    });
    await mkdir(share(), { recursive: true }); // a filesystem destination is a mounted share: it exists
    served = await serve(site.configPath);
    client = new EngineClient(
      webSocketTransport(`${new URL(served.url).origin.replace('http', 'ws')}/contract`),
      'catalog-e2e',
    );
    client.start();
    await waitFor(() => client.state.kind === 'connected', 'the contract connection');
    // Every capture seen, inspected and at rest (uploads done): the catalog will not change under the test.
    await waitFor(
      async () => {
        const facets = await client.request('catalog.facets', { filter: {} });
        if (facets.total < CAPTURES) return false;
        const busy = await client.request('catalog.search', {
          filter: { states: [...ACTIVE_STATES] },
          limit: 1,
        });
        return busy.items.length === 0;
      },
      `${CAPTURES} captures in the catalog, at rest`,
      120_000,
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(served.url);
    await page.goto(`${new URL(served.url).origin}/#/catalog`);
    await page.getByRole('heading', { name: 'Catalog' }).waitFor();
  });
  afterAll(async () => {
    client?.stop();
    await browser?.close();
    await served?.stop();
    await site?.cleanup();
  });

  const shownIds = () =>
    page
      .locator('.result-grid .result')
      .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-file-id'))));
  const shownTotal = async () => {
    const text = (await page.locator('.view-head [role="status"]').textContent()) ?? '';
    return /^([\d,]+) files$/.exec(text.trim())?.[1]?.replace(/,/g, '');
  };
  const facetChip = (facet: string, value: string) =>
    page
      .locator('fieldset.facet', { has: page.locator('legend', { hasText: facet }) })
      .locator('label.chip')
      .filter({ hasText: new RegExp(`^${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`) });
  /** Waits until the grid shows exactly `want` (newest first) and the count says `want.length`. */
  const expectShown = async (want: readonly CatalogItemMessage[], what: string) => {
    const ids = want.map((item) => item.id);
    await waitFor(
      async () =>
        JSON.stringify(await shownIds()) === JSON.stringify(ids) &&
        (await shownTotal()) === String(ids.length),
      `${what}: the view to show ${JSON.stringify(ids)} (shows ${JSON.stringify(await shownIds())}, count ${await shownTotal()})`,
      20_000,
    ).catch(async (error: Error) => {
      throw new Error(
        `${error.message}\nshown now: ${JSON.stringify(await shownIds())}, count ${await shownTotal()}`,
      );
    });
  };

  test('class + score range: the engine’s matches, with thumbnails; saved as a data set and exported', async () => {
    // What the sidecars on disk say: each frame's best score per class.
    const frames = written.filter((c) => c.kind === 'image' && c.sidecar);
    assert.ok(frames.length >= 15, `enough frames (${frames.length})`);
    const sidecars = new Map<string, Sidecar>();
    for (const frame of frames)
      sidecars.set(frame.relativePath, JSON.parse(await readFile(frame.sidecar as string, 'utf8')));
    const best = (relPath: string, label: string) =>
      Math.max(
        -1,
        ...(sidecars.get(relPath)?.predictions ?? []).filter((p) => p.label === label).map((p) => p.score),
      );
    // The class with most frames between the bounds (and some frames outside them, so the range matters).
    const labels = [...new Set([...sidecars.values()].flatMap((s) => s.predictions.map((p) => p.label)))];
    const inRange = (label: string) =>
      frames.filter((f) => {
        const score = best(f.relativePath, label);
        return score >= LOW && score <= HIGH;
      });
    const label = labels.sort((a, b) => inRange(b).length - inRange(a).length)[0] as string;
    const truth = new Set(inRange(label).map((f) => f.relativePath));
    const withClass = frames.filter((f) => best(f.relativePath, label) >= 0).length;
    assert.ok(truth.size >= 3 && truth.size < withClass, `${label}: ${truth.size} of ${withClass} in range`);

    const filter: CatalogFilterMessage = { label, minScore: LOW, maxScore: HIGH };
    const engine = await allMatches(client, filter);
    assert.deepEqual(
      new Set(engine.map((item) => item.relPath)),
      truth,
      'the engine agrees with the sidecars',
    );

    // The view: the class picked from its facet, the score range typed.
    await facetChip('Class', label).click();
    await page.getByLabel('Lowest score').fill(String(LOW));
    await page.getByLabel('Highest score').fill(String(HIGH));
    await expectShown(engine, `${label} between ${LOW} and ${HIGH}`);

    // Thumbnails: each result's picture is the engine's thumbnail of that file, loaded (160 × 120).
    for (const item of engine) {
      const img = page.locator(`.result[data-file-id="${item.id}"] img`);
      assert.equal(await img.getAttribute('src'), `/media/thumb/${item.id}`);
      await img.scrollIntoViewIfNeeded();
      const size = await waitFor(
        () =>
          img.evaluate((el: HTMLImageElement) =>
            el.complete && el.naturalWidth > 0 ? `${el.naturalWidth}x${el.naturalHeight}` : undefined,
          ),
        `the thumbnail of ${item.relPath}`,
      );
      assert.equal(size, '160x120', `${item.relPath}: a thumbnail of the 640×480 frame`);
      const text = (await page.locator(`.result[data-file-id="${item.id}"]`).textContent()) ?? '';
      assert.ok(text.includes(item.relPath), `${item.relPath} named in its result`);
    }

    // Saved as a data set from the view.
    const name = `${label}-mid-scores`;
    await page.getByLabel('Save this search as a data set').fill(name);
    await page.getByRole('button', { name: 'Save data set' }).click();
    const row = page.locator(`.dataset[data-name="${name}"]`);
    await row.getByText(`${engine.length} files`).waitFor();
    const saved = (await client.request('datasets.list', {})).datasets.find((d) => d.name === name);
    assert.ok(saved, 'the engine has the data set');
    assert.deepEqual(saved.filter, filter, 'the data set keeps the search the view made');
    assert.equal(saved.members, engine.length);

    // Exported from the view to the filesystem destination; the UI names the files when done.
    await row.getByRole('button', { name: 'Export to the core' }).click();
    await row.locator('.export-progress[data-phase="done"]').waitFor({ timeout: 60_000 });
    const shown = (await row.locator('.export-progress').textContent()) ?? '';
    const keys = /Exported: (\S+manifest\.jsonl) and (\S+coco\.json)/.exec(shown);
    assert.ok(keys, `the outcome names the manifest and the COCO file: ${shown}`);
    const [, manifestKey, cocoKey] = keys as unknown as [string, string, string];
    assert.match(manifestKey, new RegExp(`^datasets/${SITE}/${name}/[^/]+/manifest\\.jsonl$`));

    const lines = (await readFile(join(share(), manifestKey), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.equal(lines.length, engine.length, 'one line per member');
    assert.deepEqual(new Set(lines.map((l) => l.path)), truth, 'the members are the search’s matches');
    const byPath = new Map(frames.map((f) => [f.relativePath, f]));
    for (const line of lines) {
      const frame = byPath.get(line.path);
      assert.ok(frame, line.path);
      const bytes = await readFile(frame.path);
      assert.equal(line.sha256, createHash('sha256').update(bytes).digest('hex'), `${line.path}: sha256`);
      assert.equal(line.size, bytes.length);
      assert.equal(line.contentType, 'image/jpeg');
      assert.equal(line.site, SITE);
      assert.equal(line.folder, 'cam');
      const sidecar = sidecars.get(line.path) as Sidecar;
      assert.equal(line.modelVersion, sidecar.model_version);
      assert.deepEqual(
        line.labels.map((l: { label: string; score: number }) => [l.label, l.score]),
        sidecar.predictions.map((p) => [p.label, p.score]),
        `${line.path}: the sidecar's predictions`,
      );
      assert.deepEqual(line.corrections, [], `${line.path}: nobody corrected it`);
      assert.equal(line.id, engine.find((item) => item.relPath === line.path)?.id);
    }

    // The COCO file: every member an image of 640×480, the model's boxes as annotations, ids joining up.
    const coco = JSON.parse(await readFile(join(share(), cocoKey), 'utf8'));
    assert.deepEqual(
      new Set(coco.images.map((i: { id: number }) => i.id)),
      new Set(engine.map((item) => item.id)),
    );
    for (const image of coco.images) assert.deepEqual([image.width, image.height], [640, 480]);
    const boxes = lines.reduce(
      (n, line) => n + (sidecars.get(line.path) as Sidecar).predictions.filter((p) => p.box).length,
      0,
    );
    assert.equal(coco.annotations.length, boxes);
    const categories = new Map(coco.categories.map((c: { id: number; name: string }) => [c.id, c.name]));
    for (const a of coco.annotations) {
      assert.ok(categories.has(a.category_id));
      assert.ok(Math.abs(a.area - a.bbox[2] * a.bbox[3]) < 1e-6);
    }
  });

  test('a tag family (any PII): the engine’s matches', async () => {
    // Back to everything: the class unpicked, the range cleared.
    await page.getByLabel('Lowest score').fill('');
    await page.getByLabel('Highest score').fill('');
    const picked = page.locator('fieldset.facet label.chip.on');
    while ((await picked.count()) > 0) await picked.first().click();
    const everything = await client.request('catalog.facets', { filter: {} });
    await waitFor(async () => (await shownTotal()) === String(everything.total), 'the whole catalog again');

    const engine = await allMatches(client, { tags: ['pii:'] });
    assert.ok(engine.length >= 3, `some captures with personal data (${engine.length})`);
    const withPii = new Set(written.filter((c) => c.hasPii).map((c) => c.relativePath));
    for (const item of engine) {
      assert.ok(withPii.has(item.relPath), `${item.relPath} was written with personal data`);
      assert.ok(
        item.tags.some((t) => t.startsWith('pii:')),
        `${item.relPath} carries a pii: tag`,
      );
    }
    await facetChip('Tags', 'pii:').click();
    await expectShown(engine, 'any PII');
    // Rows name their tags; text files have no thumbnail.
    for (const item of engine) {
      const result = page.locator(`.result[data-file-id="${item.id}"]`);
      assert.equal(await result.locator('img').count(), 0);
      assert.equal((await result.locator('.tag-line').textContent())?.trim(), item.tags.join(' '));
    }
  });
});
