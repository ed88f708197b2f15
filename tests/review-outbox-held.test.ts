/**
 * Held decisions in the review outbox (fake-indexeddb in Node), synced through the renderer's real
 * EngineClient to a real EngineHost and ReviewService: decided while the engine is out of reach they
 * wait in IndexedDB (and survive a reload), a reconnect applies each once even when an answer is lost
 * and the decision is sent again, and a second reviewer deciding the same file differently gets the
 * conflict (first one wins).
 */
import 'fake-indexeddb/auto';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, test } from 'vitest';
import { EngineClient } from '../renderer/src/contract/client.ts';
import { Outbox, OutboxDb } from '../renderer/src/review/outbox.ts';
import { engineWith, link, until, wire } from './support/review-outbox-fixture.ts';

const dir = await mkdtemp(join(tmpdir(), 'edge-review-held-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const FAST = { backoffMs: [20, 40, 80] };
const reviewLines = (engine: ReturnType<typeof engineWith>, fileId: number) =>
  engine.queue.history(fileId).filter((change) => change.detail?.startsWith('review:'));

test('held decisions made offline wait in the outbox, survive a reload, and are applied once on reconnect', async () => {
  const engine = engineWith(dir, 3, 'held');
  const [drop, upload, changed] = engine.ids as [number, number, number];
  const { control, connect } = link(engine.host);
  control.up = false;
  const client = new EngineClient(connect, 'held-offline');
  const first = new Outbox(new OutboxDb('held-offline'), FAST);
  let unwire = wire(first, client);
  client.start();

  // Decided while the engine is out of reach: saved at once, counted as unsynced.
  await first.decideHeld({ fileId: drop, decision: 'drop', reviewer: 'ana' });
  await first.decideHeld({ fileId: upload, decision: 'upload', reviewer: 'ana' });
  // A change of mind before it was sent replaces the pending decision.
  const mistaken = await first.decideHeld({ fileId: changed, decision: 'upload', reviewer: 'ana' });
  const meant = await first.decideHeld({ fileId: changed, decision: 'drop', reviewer: 'ana' });
  assert.notEqual(meant.id, mistaken.id);
  assert.deepEqual(await first.counts(), {
    unsynced: 3,
    heldUnsynced: 3,
    refused: 0,
    drafts: 0,
    heldConflicts: 0,
  });
  assert.equal(engine.queue.get(drop)?.state, 'held', 'nothing reached the engine yet');

  // The renderer crashes and comes back: a new outbox on the same database has all three.
  unwire();
  first.close();
  const outbox = new Outbox(new OutboxDb('held-offline'), FAST);
  unwire = wire(outbox, client);
  const pending = await outbox.listHeld('pending');
  assert.deepEqual(
    pending.map((r) => [r.fileId, r.decision]),
    [
      [drop, 'drop'],
      [upload, 'upload'],
      [changed, 'drop'],
    ],
  );

  // The engine is back, but the answers are lost on the way: the decisions are applied, and the
  // outbox, not knowing, sends them again after the reconnect.
  control.dropAnswers = true;
  control.up = true;
  await until(() => outbox.state.sending, 'the first decision on its way', 20_000);
  await until(() => engine.queue.get(drop)?.state === 'skipped', 'the engine to apply it');
  control.closeAll();
  control.dropAnswers = false;
  await until(async () => (await outbox.counts()).unsynced === 0, 'every decision answered', 20_000);

  // The engine has each decision once: one move, one history line, whatever was re-sent.
  assert.equal(engine.queue.get(drop)?.state, 'skipped');
  assert.equal(engine.queue.get(changed)?.state, 'skipped');
  // No site config: no key to upload under, so the upload is refused, with the reason, and final.
  assert.equal(engine.queue.get(upload)?.state, 'held');
  for (const fileId of [drop, changed]) assert.equal(reviewLines(engine, fileId).length, 1);
  assert.equal(reviewLines(engine, upload).length, 0);
  const [dropped] = await outbox.heldFor(drop);
  assert.equal(dropped?.status, 'done');
  assert.equal(dropped?.answer?.status, 'duplicate', 'the re-send was recognised');
  const [refused] = await outbox.heldFor(upload);
  assert.equal(refused?.status, 'refused');
  assert.match(refused?.answer?.status === 'refused' ? refused.answer.why : '', /key|inspected/);
  assert.deepEqual(
    (await outbox.heldFor(changed)).map((r) => [r.decision, r.status]),
    [['drop', 'done']],
    'the upload taken back before it was sent never reached the engine',
  );

  unwire();
  client.stop();
  outbox.close();
  engine.host.close();
  engine.queue.close();
});

test('a backlog decided offline goes in batches (one request per 200), each decision applied once', async () => {
  const engine = engineWith(dir, 250, 'held');
  const { control, connect } = link(engine.host);
  control.up = false;
  const client = new EngineClient(connect, 'held-backlog');
  const outbox = new Outbox(new OutboxDb('held-backlog'), FAST);
  const unwire = wire(outbox, client);
  client.start();
  for (const [at, fileId] of engine.ids.entries())
    await outbox.decideHeld({ fileId, decision: at % 2 === 0 ? 'drop' : 'upload', reviewer: 'ana' });
  assert.equal((await outbox.counts()).heldUnsynced, 250);

  control.up = true;
  await until(async () => (await outbox.counts()).unsynced === 0, 'every decision answered', 30_000);
  const held = control.requests.filter((method) => method.startsWith('review.decideHeld'));
  assert.deepEqual(held, ['review.decideHeldMany', 'review.decideHeldMany']);
  // Answers joined to their decisions: every drop applied (once), every upload refused (no site config).
  for (const [at, fileId] of engine.ids.entries()) {
    const [record] = await outbox.heldFor(fileId);
    if (at % 2 === 0) {
      assert.equal(record?.status, 'done', `file ${fileId}`);
      assert.equal(engine.queue.get(fileId)?.state, 'skipped');
      assert.equal(reviewLines(engine, fileId).length, 1);
    } else assert.equal(record?.status, 'refused', `file ${fileId}`);
  }

  unwire();
  client.stop();
  outbox.close();
  engine.host.close();
  engine.queue.close();
});

test('two reviewers deciding a held file differently: the first wins, the second sees the conflict', async () => {
  const engine = engineWith(dir, 1, 'held');
  const fileId = engine.ids[0]!;
  const anaLink = link(engine.host);
  const boLink = link(engine.host);
  const ana = new EngineClient(anaLink.connect, 'ana');
  const bo = new EngineClient(boLink.connect, 'bo');
  const anaBox = new Outbox(new OutboxDb('held-ana'), FAST);
  const boBox = new Outbox(new OutboxDb('held-bo'), FAST);
  const unwire = [wire(anaBox, ana), wire(boBox, bo)];
  // Bo is offline when he decides; Ana is connected.
  boLink.control.up = false;
  ana.start();
  bo.start();
  await until(() => ana.state.kind === 'connected', 'ana connected');
  await boBox.decideHeld({ fileId, decision: 'upload', reviewer: 'bo' });
  await anaBox.decideHeld({ fileId, decision: 'drop', reviewer: 'ana' });
  await until(async () => (await anaBox.counts()).unsynced === 0, "ana's decision to sync");
  assert.equal((await anaBox.heldFor(fileId))[0]?.answer?.status, 'decided');

  boLink.control.up = true;
  await until(async () => (await boBox.counts()).unsynced === 0, "bo's decision to sync", 20_000);
  const [late] = await boBox.heldFor(fileId);
  assert.equal(late?.status, 'overtaken');
  const answer = late?.answer;
  assert.ok(answer?.status === 'overtaken');
  assert.equal(answer.by, 'ana');
  assert.equal(answer.decision, 'drop');
  assert.equal(answer.agrees, false);
  assert.match(answer.why, /ana dropped it first; your upload was not applied/);
  assert.equal((await boBox.counts()).heldConflicts, 1, 'the conflict is counted for the UI');
  assert.equal(engine.queue.get(fileId)?.state, 'skipped', 'dropped, never uploaded');
  assert.equal(reviewLines(engine, fileId).length, 1);

  for (const off of unwire) off();
  ana.stop();
  bo.stop();
  anaBox.close();
  boBox.close();
  engine.host.close();
  engine.queue.close();
});

test('a held decision taken back before it was sent never reaches the engine', async () => {
  const engine = engineWith(dir, 1, 'held');
  const fileId = engine.ids[0]!;
  const outbox = new Outbox(new OutboxDb('held-undo'), FAST);
  const record = await outbox.decideHeld({ fileId, decision: 'drop', reviewer: 'ana' });
  assert.equal(await outbox.withdrawHeld(record.id), true);
  assert.equal((await outbox.counts()).unsynced, 0);
  const client = new EngineClient(link(engine.host).connect, 'held-undo');
  const unwire = wire(outbox, client);
  client.start();
  await until(() => client.state.kind === 'connected', 'connected');
  await outbox.sync();
  assert.equal(engine.queue.get(fileId)?.state, 'held');
  assert.equal(await outbox.withdrawHeld(record.id), false, 'gone: nothing to take back');
  unwire();
  client.stop();
  outbox.close();
  engine.host.close();
  engine.queue.close();
});
