/**
 * The review outbox (renderer/src/review/outbox.ts) on fake-indexeddb in Node, syncing through the
 * renderer's real EngineClient to a real EngineHost over an in-process transport, with a real queue
 * and ReviewService: records survive a reload, a lost connection holds them and a reconnect sends
 * them, a lost answer re-sends without duplicates, refusals are final, two reviewers' conflict surfaces.
 */
import 'fake-indexeddb/auto';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { ReviewService } from '../main/engine/review/index.ts';
import { EngineClient } from '../renderer/src/contract/client.ts';
import { Outbox, OutboxDb } from '../renderer/src/review/outbox.ts';
import { addCapture, box } from './support/review-fixture.ts';
import { engineWith as engineIn, link, until, wire } from './support/review-outbox-fixture.ts';

const dir = await mkdtemp(join(tmpdir(), 'edge-review-outbox-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const FAST = { backoffMs: [20, 40, 80] };
const engineWith = (captures: number) => engineIn(dir, captures);

test('drafts and committed records survive a reload (a new Dexie instance on the same database)', async () => {
  const name = 'outbox-reload';
  const first = new Outbox(new OutboxDb(name), FAST);
  const sha256 = 'a'.repeat(64);
  const draft = await first.saveDraft({
    fileId: 7,
    sha256,
    reviewer: 'ana',
    objects: [{ label: 'car', from: 0 }],
  });
  const edited = await first.saveDraft({
    fileId: 7,
    sha256,
    reviewer: 'ana',
    objects: [{ label: 'van', from: 0 }],
  });
  assert.equal(edited.id, draft.id, 'a draft keeps its id across edits');
  const committed = await first.commit({
    fileId: 8,
    sha256,
    reviewer: 'ana',
    objects: [],
  });
  // The renderer crashes: no close, no sync (nothing connected).
  const second = new Outbox(new OutboxDb(name), FAST);
  assert.deepEqual(await second.counts(), {
    unsynced: 1,
    heldUnsynced: 0,
    refused: 0,
    drafts: 1,
    heldConflicts: 0,
  });
  const kept = await second.draftFor(7, 'ana');
  assert.equal(kept?.id, draft.id);
  assert.deepEqual(kept?.correction.objects, [{ label: 'van', from: 0 }]);
  const pending = await second.list('pending');
  assert.deepEqual(
    pending.map((r) => [r.id, r.correction.id, r.fileId]),
    [[committed.id, committed.id, 8]],
  );
  assert.match(committed.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  // Undo before sync takes it back.
  assert.equal(await second.withdraw(committed.id), true);
  assert.equal((await second.counts()).unsynced, 0);
  first.close();
  second.close();
});

test('a lost connection holds corrections, a reconnect sends them, a lost answer re-sends without duplicates', async () => {
  const engine = engineWith(12);
  const { control, connect } = link(engine.host);
  const client = new EngineClient(connect, 'outbox-test');
  const outbox = new Outbox(new OutboxDb('outbox-sync'), { ...FAST, batch: 5 });
  const unwire = wire(outbox, client);
  client.start();
  await until(() => client.state.kind === 'connected', 'the first connection');

  // Three reviewed while connected.
  const submitted: string[] = [];
  const review = async (i: number, label = 'car') => {
    const fileId = engine.ids[i]!;
    const record = await outbox.commit({
      fileId,
      sha256: engine.sha(fileId),
      reviewer: 'ana',
      objects: [
        { label, box: box(10, 20, 100, 50), from: 0 },
        { label: 'person', box: box(300, 100, 40, 120), from: 1 },
      ],
    });
    submitted.push(record.id);
    return record;
  };
  for (let i = 0; i < 3; i++) await review(i);
  await until(async () => (await outbox.counts()).unsynced === 0, 'the first three to sync');

  // The engine goes out of reach: the next five wait in the outbox, nothing is lost.
  control.up = false;
  control.closeAll();
  await until(() => client.state.kind === 'disconnected', 'the disconnect');
  for (let i = 3; i < 8; i++) await review(i, 'van');
  assert.equal((await outbox.counts()).unsynced, 5);
  assert.equal(outbox.state.sending, false);

  // Back: the client reconnects by itself and the outbox empties.
  control.up = true;
  await until(async () => (await outbox.counts()).unsynced === 0, 'the held five to sync', 20_000);

  // An answer lost on the way back: the engine stored them, the outbox still holds them…
  control.up = false;
  control.closeAll();
  await until(() => client.state.kind === 'disconnected', 'the second disconnect');
  for (let i = 8; i < 12; i++) await review(i, 'truck');
  control.dropAnswers = true;
  control.up = true;
  await until(() => outbox.state.sending, 'the batch to be on its way', 20_000);
  await new Promise((resolve) => setTimeout(resolve, 100));
  control.closeAll(); // the request fails with the connection: sent again after the reconnect
  control.dropAnswers = false;
  await until(async () => (await outbox.counts()).unsynced === 0, 'the re-send', 20_000);
  const answers = (await outbox.list('synced')).filter((r) => r.fileId >= engine.ids[8]!);
  assert.deepEqual(
    answers.map((r) => r.answer),
    ['duplicate', 'duplicate', 'duplicate', 'duplicate'],
    'the engine had them already',
  );

  // Every correction exactly once in the engine, with the content the reviewer committed.
  for (const [i, fileId] of engine.ids.entries()) {
    const stored = engine.review.corrections.forFile(fileId);
    assert.equal(stored.length, 1, `file ${fileId} has one correction`);
    assert.equal(stored[0]?.id, submitted[i]);
    assert.equal(stored[0]?.objects[0]?.label, i < 3 ? 'car' : i < 8 ? 'van' : 'truck');
    assert.equal(stored[0]?.reviewer, 'ana');
  }
  // Undo after sync is refused by the outbox (a new correction is needed).
  assert.equal(await outbox.withdraw(submitted[0]!), false);

  unwire();
  client.stop();
  outbox.close();
  engine.host.close();
  engine.queue.close();
});

test('a refused correction is final and kept with its reason', async () => {
  const engine = engineWith(1);
  const { connect } = link(engine.host);
  const client = new EngineClient(connect, 'outbox-refused');
  const outbox = new Outbox(new OutboxDb('outbox-refused'), FAST);
  const unwire = wire(outbox, client);
  client.start();
  const fileId = engine.ids[0]!;
  // The capture changed on disk since the reviewer saw it: another sha256.
  await outbox.commit({ fileId, sha256: 'f'.repeat(64), reviewer: 'ana', objects: [] });
  await until(async () => (await outbox.counts()).refused === 1, 'the refusal');
  const [refused] = await outbox.list('refused');
  assert.match(refused?.why ?? '', /changed|sha256/i);
  await outbox.sync();
  assert.deepEqual(await outbox.counts(), {
    unsynced: 0,
    heldUnsynced: 0,
    refused: 1,
    drafts: 0,
    heldConflicts: 0,
  });
  assert.equal(engine.review.corrections.forFile(fileId).length, 0);
  unwire();
  client.stop();
  outbox.close();
  engine.host.close();
  engine.queue.close();
});

test('two reviewers disagreeing: both kept, the other reviewer is told, the item shows both sides', async () => {
  const engine = engineWith(1);
  const fileId = engine.ids[0]!;
  const ana = new EngineClient(link(engine.host).connect, 'ana');
  const bo = new EngineClient(link(engine.host).connect, 'bo');
  const anaBox = new Outbox(new OutboxDb('outbox-ana'), FAST);
  const boBox = new Outbox(new OutboxDb('outbox-bo'), FAST);
  const unwire = [wire(anaBox, ana), wire(boBox, bo)];
  const seen: { fileId: number; reviewState: string }[] = [];
  ana.on('corrections.changed', (change) => seen.push(...change.states));
  ana.start();
  bo.start();
  await until(() => ana.state.kind === 'connected' && bo.state.kind === 'connected', 'both connected');
  const base = { fileId, sha256: engine.sha(fileId) };
  await anaBox.commit({
    ...base,
    reviewer: 'ana',
    objects: [
      { label: 'car', box: box(10, 20, 100, 50), from: 0 },
      { label: 'person', box: box(300, 100, 40, 120), from: 1 },
    ],
  });
  await boBox.commit({
    ...base,
    reviewer: 'bo',
    objects: [{ label: 'forklift', box: box(10, 20, 100, 50), from: 0 }],
  });
  await until(
    async () => (await anaBox.counts()).unsynced + (await boBox.counts()).unsynced === 0,
    'both to sync',
  );
  await until(() => seen.some((s) => s.fileId === fileId && s.reviewState === 'conflict'), 'the event');
  const { item } = await ana.request('review.item', { fileId });
  assert.equal(item?.reviewState, 'conflict');
  assert.deepEqual(
    item?.current.map((c) => [c.reviewer, c.objects.map((o) => o.label)]),
    [
      ['ana', ['car', 'person']],
      ['bo', ['forklift']],
    ],
  );
  for (const off of unwire) off();
  ana.stop();
  bo.stop();
  anaBox.close();
  boBox.close();
  engine.host.close();
  engine.queue.close();
});

test('boxes a sidecar normalised to 0..1, accepted in pixels as the UI sends them, count as agreed', async () => {
  const queue = new CaptureQueue(join(dir, 'normalised.db'));
  const fileId = addCapture(
    queue,
    {
      name: 'sim.jpg',
      predictions: [
        { label: 'car', score: 0.6, box: box(0.1, 0.2, 0.25, 0.125) },
        { label: 'person', score: 0.5, box: box(0.5, 0.5, 0.1, 0.3) },
      ],
      modelVersion: 'sim-1',
    },
    1,
  );
  const review = new ReviewService(queue);
  const [outcome] = review.submit([
    {
      id: crypto.randomUUID(),
      fileId,
      sha256: queue.get(fileId)!.sha256!,
      reviewer: 'ana',
      // car kept where the model put it (in pixels of 640×480), person moved.
      objects: [
        { label: 'car', box: box(64, 96, 160, 60), from: 0 },
        { label: 'person', box: box(100, 100, 64, 144), from: 1 },
      ],
      createdAt: Date.now(),
      imageSize: { width: 640, height: 480 },
    },
  ]);
  assert.equal(outcome?.status, 'stored');
  const buckets = review.agreement({ from: 0, to: Date.now() + 1000, bucket: 'day' });
  assert.deepEqual(buckets.map((b) => [b.label, b.agreed, b.changed]).sort(), [
    ['car', 1, 0],
    ['person', 0, 1],
  ]);
  queue.close();
});
