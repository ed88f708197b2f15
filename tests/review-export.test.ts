/**
 * The review exporter writing to a filesystem destination (a share): one JSON object per
 * correction, the day's JSON Lines manifest and COCO file, all written atomically; re-running and
 * a crash that forgot what was confirmed write nothing twice. The COCO and JSONL writers' output is
 * checked against their formats here.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { ReviewService } from '../main/engine/review/index.ts';
import { makeSite, type Site } from './support/engine-fixtures.ts';
import { checkCoco, reviewDay } from './support/review-fixture.ts';

const sites: Site[] = [];
afterAll(async () => {
  for (const site of sites) await site.cleanup();
});
const AT = Date.UTC(2026, 2, 14, 9, 30);

async function shareSite() {
  const site = await makeSite(
    ({ captures, dataDir }) => `
site: plant7
dataDir: ${dataDir}
folders: [{ id: cam, path: ${captures} }]
rules: [{ name: frames, when: { extension: jpg }, action: hold }]
destinations:
  - { name: archive, type: local, path: ${join(dataDir, '..', 'store')} }
  - { name: training, type: filesystem, path: ${join(dataDir, '..', 'share')} }
review: { destination: training }
`,
  );
  sites.push(site);
  const config = await loadConfig(site.configPath);
  const queue = new CaptureQueue(join(site.dataDir, 'queue.db'));
  const review = new ReviewService(queue, { config });
  return { site, queue, review, share: join(site.root, 'share') };
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();
}

describe('review export to a share', () => {
  test('correction objects, the day manifest and COCO file; nothing twice after a re-run or a crash', async () => {
    const { queue, review, share } = await shareSite();
    const day = reviewDay(queue, AT);
    assert.ok(review.submit(day.corrections).every((o) => o.status === 'stored'));
    const first = await review.exportNow();
    assert.deepEqual(first, { corrections: 5, days: 1, refused: [] });

    const files = await filesUnder(share);
    const ids = day.corrections.map((c) => c.id);
    assert.deepEqual(
      files,
      [
        ...ids.map((id) => `plant7/corrections/2026/03/14/${id}.json`),
        'plant7/corrections/coco/2026-03-14.json',
        'plant7/corrections/manifests/2026-03-14.jsonl',
      ].sort(),
    );
    assert.ok(
      files.every((f) => !f.includes('.tmp')),
      'no temporary files left',
    );

    // One correction object: everything a training pipeline needs to use it alone.
    const object = JSON.parse(
      await readFile(join(share, `plant7/corrections/2026/03/14/${ids[0]}.json`), 'utf8'),
    );
    assert.equal(object.id, ids[0]);
    assert.equal(object.reviewer, 'ana');
    assert.equal(object.modelVersion, 'det-2.1');
    assert.equal(object.createdAt, new Date(AT).toISOString());
    assert.deepEqual(object.capture, {
      objectKey: 'site/cam/street.jpg',
      sha256: queue.get(day.street)!.sha256,
      fileId: day.street,
      width: 640,
      height: 480,
    });
    assert.deepEqual(
      object.original.items.map((i: { label: string }) => i.label),
      ['car', 'person'],
    );
    assert.deepEqual(
      object.corrected.objects.map((o: { label: string }) => o.label),
      ['car', 'cyclist', 'dog'],
    );
    assert.equal(object.corrected.verdict, 'correct');
    const superseding = JSON.parse(
      await readFile(join(share, `plant7/corrections/2026/03/14/${ids[2]}.json`), 'utf8'),
    );
    assert.equal(superseding.supersedes, ids[1]);

    // The manifest: one line per capture, with key, sha256, labels and corrections.
    const lines = (await readFile(join(share, 'plant7/corrections/manifests/2026-03-14.jsonl'), 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.equal(lines.length, 3);
    for (const line of lines) {
      assert.equal(typeof line.sha256, 'string');
      assert.ok('key' in line && 'labels' in line && Array.isArray(line.corrections));
      for (const c of line.corrections) assert.ok(files.includes(c.key), `${c.key} is a stored object`);
    }
    const byPath = Object.fromEntries(lines.map((l) => [l.path, l]));
    assert.deepEqual(byPath['street.jpg'].labels, ['car', 'cyclist', 'dog']);
    assert.deepEqual(byPath['yard.jpg'].labels, ['cat'], 'the superseding correction wins');
    assert.deepEqual(
      byPath['yard.jpg'].corrections.map((c: { current: boolean }) => c.current),
      [false, true],
    );
    assert.equal(byPath['gate.jpg'].reviewState, 'conflict');
    assert.equal(byPath['gate.jpg'].labels, null, 'no labels while reviewers disagree');

    // COCO: field structure, ids that join up, area = w × h; the conflict is left out.
    const coco = checkCoco(await readFile(join(share, 'plant7/corrections/coco/2026-03-14.json'), 'utf8'));
    assert.deepEqual(coco.images.map((i) => i.id).sort(), [day.street, day.yard].sort());
    assert.equal(coco.images.find((i) => i.id === day.street)?.file_name, 'site/cam/street.jpg');
    assert.equal(coco.annotations.length, 4);
    const names = new Map(coco.categories.map((c) => [c.id, c.name]));
    const yardAnnotation = coco.annotations.find((a) => a.image_id === day.yard)!;
    assert.equal(names.get(yardAnnotation.category_id), 'cat');
    assert.deepEqual(yardAnnotation.bbox, [12, 10, 38, 30]);
    assert.equal(yardAnnotation.area, 38 * 30);

    // Again: nothing to do. After a crash that lost the confirmations: found there, not written twice.
    assert.deepEqual(await review.exportNow(), { corrections: 0, days: 0, refused: [] });
    queue.database.exec('UPDATE correction_exports SET confirmed_at = NULL');
    queue.database.exec('UPDATE export_days SET exported_version = 0');
    assert.deepEqual(await review.exportNow(), { corrections: 5, days: 1, refused: [] });
    assert.deepEqual(await filesUnder(share), files);
    assert.equal(review.exportStatus()?.pending, 0);
    queue.close();
  });

  test('another object at a correction key is never overwritten: that correction is set aside with why', async () => {
    const { queue, review, share } = await shareSite();
    const day = reviewDay(queue, AT);
    const taken = join(share, `plant7/corrections/2026/03/14/${day.corrections[0]!.id}.json`);
    await mkdir(join(taken, '..'), { recursive: true });
    await writeFile(taken, 'someone else');
    review.submit(day.corrections);
    const pass = await review.exportNow();
    assert.equal(pass?.corrections, 4);
    assert.equal(pass?.refused.length, 1);
    assert.match(pass?.refused[0]?.why ?? '', /another object is already at/);
    assert.equal(await readFile(taken, 'utf8'), 'someone else');
    assert.equal(review.exportStatus()?.pending, 1);
    queue.close();
  });

  test('review.destination must name a destination: the config is refused with the names to use', async () => {
    const site = await makeSite(
      ({ captures, dataDir }) => `
site: plant7
dataDir: ${dataDir}
folders: [{ id: cam, path: ${captures} }]
rules: [{ name: frames, when: { extension: jpg }, action: hold }]
destinations: [{ name: training, type: filesystem, path: ${join(dataDir, '..', 'share')} }]
review: { destination: trainign, threshold: 0.5 }
`,
    );
    sites.push(site);
    await assert.rejects(
      loadConfig(site.configPath),
      /\/review\/destination: "trainign" is not a destination\..*"training"/s,
    );
  });
});

describe('review export follows a live settings change', () => {
  test('review.destination switched while running: the new share gets every correction, the old keeps its own, none twice', async () => {
    const { site, queue, review, share } = await shareSite();
    const day = reviewDay(queue, AT);
    const [first, ...rest] = day.corrections;
    assert.equal(review.submit([first!])[0]?.status, 'stored');
    assert.deepEqual(await review.exportNow(), { corrections: 1, days: 1, refused: [] });

    // The admin adds a second share and points review exports at it (as Settings or reload would).
    const second = join(site.root, 'share2');
    await mkdir(second);
    const text = await readFile(site.configPath, 'utf8');
    await writeFile(
      site.configPath,
      text
        .replace(
          '  - { name: training, type: filesystem',
          `  - { name: training2, type: filesystem, path: ${second} }\n  - { name: training, type: filesystem`,
        )
        .replace('review: { destination: training }', 'review: { destination: training2 }'),
    );
    await review.reconfigure(await loadConfig(site.configPath));
    assert.ok(review.submit(rest).every((o) => o.status === 'stored'));
    // The new destination gets the whole set (as after a restart with the new setting): a training
    // pipeline reading it finds every correction; the old share keeps what it had.
    const pass = await review.exportNow();
    assert.equal(pass?.corrections, day.corrections.length);
    const moved = await filesUnder(second);
    for (const c of day.corrections) {
      assert.ok(moved.includes(`plant7/corrections/2026/03/14/${c.id}.json`), `${c.id} in the new share`);
    }
    const old = await filesUnder(share);
    assert.ok(old.includes(`plant7/corrections/2026/03/14/${first!.id}.json`));
    assert.ok(
      rest.every((c) => !old.some((f) => f.includes(c.id))),
      'the old share got none of the later ones',
    );
    // Nothing twice: another pass sends nothing.
    assert.equal((await review.exportNow())?.corrections, 0);
    await review.stop();
  });
});
