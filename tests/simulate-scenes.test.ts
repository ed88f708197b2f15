/**
 * Simulated frames are real pictures: sharp decodes them, each object sits in the box the ground truth
 * gives (pixels sampled inside and around it), and the sidecar differs from the truth exactly where
 * the recorded mistakes are, at about the configured rate.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, test } from 'vitest';
import {
  type Box,
  type GroundTruth,
  type MistakeKind,
  type SimulatedCapture,
  type SimulateOptions,
  simulate,
  truthPathFor,
} from '../main/simulate/index.ts';
import { backgroundAt, CENTRE_COLOUR } from '../main/simulate/scene-svg.ts';

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'edge-sim-scenes-'));
  made.push(dir);
  return dir;
}

async function frames(opts: Omit<SimulateOptions, 'to' | 'ratePerSec'>, to?: string) {
  const dir = to ?? (await tempDir());
  const captures: SimulatedCapture[] = [];
  await simulate({
    to: dir,
    ratePerSec: Number.POSITIVE_INFINITY,
    mix: { image: 1 },
    ...opts,
    onCapture: (c) => captures.push(c),
  });
  return captures.sort((a, b) => a.seq - b.seq);
}

type Rgb = [number, number, number];
const distance = (a: Rgb, b: Rgb) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Decoded pixels, averaged over a 3×3 patch to smooth JPEG noise. */
async function pixels(jpeg: Buffer) {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return {
    info,
    at(x: number, y: number): Rgb {
      const sum: Rgb = [0, 0, 0];
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const px = Math.min(info.width - 1, Math.max(0, Math.round(x) + dx));
          const py = Math.min(info.height - 1, Math.max(0, Math.round(y) + dy));
          const at = (py * info.width + px) * info.channels;
          for (let c = 0; c < 3; c++) sum[c] = sum[c]! + data[at + c]!;
        }
      return sum.map((v) => v / 9) as Rgb;
    },
  };
}

function iou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  const inter = Math.max(0, w) * Math.max(0, h);
  return inter / (a.w * a.h + b.w * b.h - inter);
}

/**
 * The mistakes found by comparing sidecar and truth, without looking at the recorded list: an exact box
 * with another label is a wrong class; a prediction with no exact box is the nearest same-class object's
 * box off; an object nothing points at was missed.
 */
function mistakesFound(truth: GroundTruth): { kind: MistakeKind; object: number }[] {
  const found: { kind: MistakeKind; object: number }[] = [];
  const claimed = new Set<number>();
  const loose: { label: string; box: Box }[] = [];
  for (const prediction of truth.sidecar.predictions) {
    const exact = truth.objects.findIndex((o) => JSON.stringify(o.box) === JSON.stringify(prediction.box));
    if (exact === -1) {
      loose.push(prediction);
      continue;
    }
    claimed.add(exact);
    if (truth.objects[exact]!.label !== prediction.label) found.push({ kind: 'wrong_class', object: exact });
  }
  for (const prediction of loose) {
    const candidates = truth.objects
      .map((o, index) => ({ index, overlap: o.label === prediction.label ? iou(o.box, prediction.box) : -1 }))
      .filter((c) => !claimed.has(c.index) && c.overlap > 0)
      .sort((a, b) => b.overlap - a.overlap);
    const best = candidates[0];
    assert.ok(best, `prediction ${JSON.stringify(prediction)} matches no object in ${truth.capture}`);
    assert.ok(best.overlap < 0.35, `a box off by design overlaps its object little (IoU ${best.overlap})`);
    claimed.add(best.index);
    found.push({ kind: 'box_off', object: best.index });
  }
  truth.objects.forEach((_, index) => {
    if (!claimed.has(index)) found.push({ kind: 'missed', object: index });
  });
  return found.sort((a, b) => a.object - b.object);
}

describe('simulated scenes', () => {
  test('frames decode as 640×480 JPEGs and every object is drawn inside its box, background around it', async () => {
    const captures = await frames({ count: 40, seed: 21 });
    let objects = 0;
    for (const capture of captures) {
      const jpeg = await readFile(capture.path);
      const meta = await sharp(jpeg).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 640, 480], capture.relativePath);
      const truth = capture.truth!;
      const image = await pixels(jpeg);
      const scene = truth;
      const where = (object: number, point: string) => `${capture.relativePath} object ${object} ${point}`;
      for (const [index, object] of truth.objects.entries()) {
        objects++;
        const x = object.box.x * 640;
        const y = object.box.y * 480;
        const w = object.box.w * 640;
        const h = object.box.h * 480;
        const centre = image.at(x + w / 2, y + h / 2);
        assert.ok(distance(centre, CENTRE_COLOUR[object.label]) < 30, where(index, `centre ${centre}`));
        // Something of the object reaches each edge (4 px in) and nothing of it lies 5 px out (where only
        // the JPEG's softened colour edges may show).
        const inset = 4;
        const outset = 5;
        const edges: [string, number, number, number, number][] = [
          ['top', x + w / 2, y + inset, x + w / 2, y - outset],
          ['bottom', x + w / 2, y + h - inset, x + w / 2, y + h + outset],
          ['left', x + inset, y + h / 2, x - outset, y + h / 2],
          ['right', x + w - inset, y + h / 2, x + w + outset, y + h / 2],
        ];
        for (const [edge, ix, iy, ox, oy] of edges) {
          const inside = image.at(ix, iy);
          assert.ok(distance(inside, backgroundAt(scene, iy)) > 40, where(index, `${edge} inside ${inside}`));
          if (ox < 1 || oy < 1 || ox > 638 || oy > 478) continue;
          const outside = image.at(ox, oy);
          assert.ok(
            distance(outside, backgroundAt(scene, oy)) < 20,
            where(
              index,
              `${edge} outside ${outside} vs ${backgroundAt(scene, oy)}: ${distance(outside, backgroundAt(scene, oy))}`,
            ),
          );
        }
      }
      // Away from every box (by 6 px), the frame is plain background.
      for (let sy = 8; sy < 480; sy += 24) {
        for (let sx = 8; sx < 640; sx += 24) {
          const near = truth.objects.some(
            ({ box }) =>
              sx > box.x * 640 - 6 &&
              sx < (box.x + box.w) * 640 + 6 &&
              sy > box.y * 480 - 6 &&
              sy < (box.y + box.h) * 480 + 6,
          );
          if (near) continue;
          const seen = image.at(sx, sy);
          assert.ok(
            distance(seen, backgroundAt(scene, sy)) < 12,
            `${capture.relativePath} (${sx},${sy}) ${seen}`,
          );
        }
      }
    }
    assert.ok(objects > 60, `objects drawn: ${objects}`);
  });

  test('the sidecar differs from the truth exactly where the recorded mistakes are', async () => {
    const captures = await frames({ count: 200, seed: 22, mistakeRate: 0.3 });
    const kinds = new Set<string>();
    for (const capture of captures) {
      const truth = capture.truth!;
      const sidecar = JSON.parse(await readFile(capture.sidecar!, 'utf8'));
      assert.deepEqual(sidecar, truth.sidecar, 'the truth records the sidecar as written');
      const recorded = truth.mistakes.map(({ kind, object }) => ({ kind, object }));
      assert.deepEqual(mistakesFound(truth), recorded, capture.relativePath);
      for (const mistake of truth.mistakes) {
        kinds.add(mistake.kind);
        if (mistake.kind === 'missed') assert.equal(mistake.prediction, undefined);
        else assert.ok(truth.sidecar.predictions[mistake.prediction!], 'points at its prediction');
      }
    }
    assert.deepEqual([...kinds].sort(), ['box_off', 'missed', 'wrong_class']);
  });

  test('the share of mistakes follows mistakeRate (default 0.15); 0 gives a perfect model', async () => {
    const share = (list: SimulatedCapture[]) => {
      const objects = list.reduce((n, c) => n + c.truth!.objects.length, 0);
      const mistakes = list.reduce((n, c) => n + c.truth!.mistakes.length, 0);
      return { objects, share: mistakes / objects };
    };
    const byDefault = share(await frames({ count: 400, seed: 23 }));
    assert.ok(byDefault.objects > 500, `objects: ${byDefault.objects}`);
    assert.ok(Math.abs(byDefault.share - 0.15) < 0.04, `default share ${byDefault.share}`);
    const high = share(await frames({ count: 400, seed: 24, mistakeRate: 0.5 }));
    assert.ok(Math.abs(high.share - 0.5) < 0.06, `share at 0.5: ${high.share}`);
    const perfect = await frames({ count: 100, seed: 25, mistakeRate: 0 });
    for (const capture of perfect) {
      const { objects, sidecar, mistakes } = capture.truth!;
      assert.deepEqual(mistakes, []);
      assert.deepEqual(
        sidecar.predictions.map(({ label, box }) => ({ label, box })),
        objects,
      );
    }
  });

  test('the truth is written to truthDir, mirroring the capture folders, and never into the capture folder', async () => {
    const to = await tempDir();
    const truthDir = await tempDir();
    const captures = await frames({ count: 30, seed: 26, truthDir, mix: { image: 2, csv: 1 } }, to);
    const images = captures.filter((c) => c.kind === 'image');
    assert.ok(images.length > 10 && images.length < 30);
    for (const capture of images) {
      assert.equal(capture.truthPath, truthPathFor(truthDir, capture.relativePath));
      assert.deepEqual(JSON.parse(await readFile(capture.truthPath!, 'utf8')), capture.truth);
      assert.equal(capture.truth!.capture, capture.relativePath);
    }
    for (const capture of captures.filter((c) => c.kind !== 'image')) assert.equal(capture.truth, undefined);
    const captured = await readdir(to, { recursive: true });
    assert.ok(!captured.some((name) => name.includes('truth')), 'no truth in the capture folder');
    const truths = (await readdir(truthDir, { recursive: true })).filter((n) => n.endsWith('.truth.json'));
    assert.equal(truths.length, images.length);
  });

  test('a truthDir inside the capture folder, or a mistake rate outside 0..1, is refused with the fix', async () => {
    const to = await tempDir();
    await assert.rejects(
      simulate({ to, ratePerSec: 1, count: 1, truthDir: join(to, 'answers') }),
      /simulate: truthDir is inside the capture folder .*put it outside/,
    );
    await assert.rejects(
      simulate({ to, ratePerSec: 1, count: 1, mistakeRate: 1.5 }),
      /simulate: mistakeRate must be between 0 and 1 \(got 1.5\)/,
    );
  });

  test('the same seed draws the same pictures', async () => {
    const [a, b] = await Promise.all([frames({ count: 8, seed: 27 }), frames({ count: 8, seed: 27 })]);
    for (let i = 0; i < a.length; i++) {
      const [one, two] = await Promise.all([
        sharp(a[i]!.path).raw().toBuffer(),
        sharp(b[i]!.path).raw().toBuffer(),
      ]);
      assert.ok(one.equals(two), `frame ${i} decodes to the same pixels`);
      assert.deepEqual(a[i]!.truth!.objects, b[i]!.truth!.objects);
    }
  });
});
