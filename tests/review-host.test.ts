/**
 * The review requests and events through the engine host (contract validation on both sides):
 * list, item, submit twice (outbox re-send), conflict seen by a second client's event, held
 * decision, agreement, export status.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { ReviewService } from '../main/engine/review/index.ts';
import { EngineHost } from '../main/host/engine-host.ts';
import type { HostedEngine } from '../main/host/hosted-engine.ts';
import { CONTRACT_VERSION } from '../shared/contract/index.ts';
import { addCapture, box } from './support/review-fixture.ts';

const dir = await mkdtemp(join(tmpdir(), 'edge-review-host-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

function client(host: EngineHost) {
  const received: Record<string, unknown>[] = [];
  const session = host.open({ send: (text) => received.push(JSON.parse(text)), close: () => {} });
  let id = 0;
  return {
    received,
    hello: () =>
      session.receive(JSON.stringify({ type: 'hello', contractVersion: CONTRACT_VERSION, client: 'test' })),
    async request(method: string, params: unknown) {
      const n = ++id;
      await session.receive(JSON.stringify({ type: 'request', id: n, method, params }));
      const reply = received.findLast((m) => m['type'] === 'reply' && m['id'] === n) as {
        ok: boolean;
        result?: Record<string, unknown>;
        error?: { message: string };
      };
      assert.ok(reply, `no reply to ${method}`);
      return reply;
    },
    events: (name: string) =>
      received.filter((m) => m['type'] === 'event' && m['name'] === name) as {
        payload: Record<string, unknown>;
      }[],
  };
}

/** A real host over the queue's review service, with two reviewers' sessions open. */
async function hostWithTwoReviewers(queue: CaptureQueue) {
  const review = new ReviewService(queue);
  const emitter = new EventEmitter();
  const engine: HostedEngine = {
    queue,
    review,
    on: (event, listener) => emitter.on(event, listener),
    off: (event, listener) => emitter.off(event, listener),
  };
  const host = new EngineHost(engine, { engineVersion: 'test', flushIntervalMs: 10 });
  const ana = client(host);
  const bo = client(host);
  await ana.hello();
  await bo.hello();
  return { host, ana, bo };
}

test('review requests and events through the host', async () => {
  const queue = new CaptureQueue(join(dir, 'queue.db'));
  const street = addCapture(
    queue,
    { name: 'street.jpg', predictions: [{ label: 'car', score: 0.4, box: box(1, 2, 30, 40) }] },
    1,
  );
  const gate = addCapture(queue, { name: 'gate.jpg', predictions: [], state: 'held' }, 2);
  const { host, ana, bo } = await hostWithTwoReviewers(queue);

  const list = await ana.request('review.list', { limit: 10 });
  assert.equal(list.ok, true, JSON.stringify(list.error));
  assert.deepEqual(
    (list.result!['items'] as { fileId: number }[]).map((i) => i.fileId),
    [gate, street],
  );

  const sha256 = queue.get(street)!.sha256!;
  const mine = {
    id: randomUUID(),
    fileId: street,
    sha256,
    reviewer: 'ana',
    objects: [{ label: 'car', box: box(1, 2, 30, 40), from: 0 }],
    createdAt: Date.now(),
  };
  const first = await ana.request('corrections.submit', { corrections: [mine] });
  const again = await ana.request('corrections.submit', { corrections: [mine] });
  assert.equal((first.result!['outcomes'] as { status: string }[])[0]?.status, 'stored');
  assert.equal((again.result!['outcomes'] as { status: string }[])[0]?.status, 'duplicate');
  await bo.request('corrections.submit', {
    corrections: [
      {
        ...mine,
        id: randomUUID(),
        reviewer: 'bo',
        objects: [{ label: 'van', from: 0, box: box(1, 2, 30, 40) }],
      },
    ],
  });
  const changes = bo.events('corrections.changed').map((e) => e.payload);
  assert.deepEqual(changes.at(-1), {
    fileIds: [street],
    states: [{ fileId: street, reviewState: 'conflict' }],
  });
  const item = await ana.request('review.item', { fileId: street });
  const detail = item.result!['item'] as { reviewState: string; current: { reviewer: string }[] };
  assert.equal(detail.reviewState, 'conflict');
  assert.deepEqual(
    detail.current.map((c) => c.reviewer),
    ['ana', 'bo'],
  );

  const bad = await ana.request('corrections.submit', { corrections: [{ ...mine, id: 'not-a-uuid' }] });
  assert.equal(bad.ok, false, 'the contract refuses a correction id that is not a UUID');

  // No site config in this host: the key comes from nowhere, so upload is refused; drop works.
  const up = await ana.request('review.decideHeld', { fileId: gate, decision: 'upload', reviewer: 'ana' });
  assert.equal(up.result!['status'], 'refused');
  const drop = await ana.request('review.decideHeld', { fileId: gate, decision: 'drop', reviewer: 'ana' });
  assert.deepEqual(drop.result, { fileId: gate, status: 'decided', state: 'skipped' });

  const agreement = await ana.request('review.agreement', { from: 0, to: Date.now() + 1000, bucket: 'day' });
  const buckets = agreement.result!['buckets'] as { label: string; agreed: number; changed: number }[];
  assert.deepEqual(
    buckets.map((b) => [b.label, b.agreed, b.changed]),
    [['car', 1, 1]],
  );
  const exported = await ana.request('review.export', { run: true });
  assert.deepEqual(exported.result, { status: null }, 'no site config: nothing to export to');
  host.close();
  queue.close();
});

test('held decisions by id through the host: the same id twice is applied once, the second reviewer is overtaken', async () => {
  const queue = new CaptureQueue(join(dir, 'queue-held.db'));
  const gate = addCapture(queue, { name: 'gate.jpg', predictions: [], state: 'held' }, 1);
  const door = addCapture(queue, { name: 'door.jpg', predictions: [], state: 'held' }, 2);
  const { host, ana, bo } = await hostWithTwoReviewers(queue);
  const reviewLines = (fileId: number) =>
    queue.history(fileId).filter((change) => change.detail?.startsWith('review:'));

  // Ana's outbox sends her drop, the answer is lost, and it sends it again: one move, one history line.
  const anaDrop = { id: randomUUID(), fileId: gate, decision: 'drop', reviewer: 'ana', decidedAt: 1000 };
  const first = await ana.request('review.decideHeld', anaDrop);
  assert.equal(first.ok, true, JSON.stringify(first.error));
  assert.deepEqual(first.result, { fileId: gate, status: 'decided', state: 'skipped' });
  const again = await ana.request('review.decideHeld', anaDrop);
  assert.deepEqual(again.result, { fileId: gate, status: 'duplicate', state: 'skipped' });
  assert.equal(reviewLines(gate).length, 1, 'the decision is in the history once');
  assert.equal(queue.history(gate).filter((c) => c.to === 'skipped').length, 1);

  // Bo decided the same file differently while offline: first one wins, and his answer says so.
  const boUpload = { id: randomUUID(), fileId: gate, decision: 'upload', reviewer: 'bo' };
  const late = await bo.request('review.decideHeld', boUpload);
  assert.equal(late.result!['status'], 'overtaken');
  assert.equal(late.result!['by'], 'ana');
  assert.equal(late.result!['decision'], 'drop');
  assert.equal(late.result!['agrees'], false);
  assert.match(String(late.result!['why']), /ana dropped it first; your upload was not applied/);
  assert.equal(queue.get(gate)?.state, 'skipped', 'not uploaded after all');
  // The same late decision re-sent gets the same answer, still without a move.
  const lateAgain = await bo.request('review.decideHeld', boUpload);
  assert.deepEqual(lateAgain.result, late.result);
  assert.equal(reviewLines(gate).length, 1);

  // A reviewer agreeing with the first decision is told it is done already.
  const cyDrop = await bo.request('review.decideHeld', {
    id: randomUUID(),
    fileId: gate,
    decision: 'drop',
    reviewer: 'cy',
  });
  assert.equal(cyDrop.result!['status'], 'overtaken');
  assert.equal(cyDrop.result!['agrees'], true);

  // A decision id reused for something else is refused, naming the id.
  const reused = await ana.request('review.decideHeld', { ...anaDrop, fileId: door });
  assert.equal(reused.result!['status'], 'refused');
  assert.match(String(reused.result!['why']), new RegExp(`${anaDrop.id}.*new decision needs a new id`));
  assert.equal(queue.get(door)?.state, 'held');

  // Bad ids are refused by the contract, naming the field.
  const bad = await ana.request('review.decideHeld', { ...anaDrop, id: 'nope' });
  assert.equal(bad.ok, false);
  assert.match(bad.error!.message, /id/);

  // In a batch: the same answers, in order (a repeat is a duplicate, a reused id refused); too many
  // in one request are refused by the contract, naming the field, and nothing is applied.
  const batch = await ana.request('review.decideHeldMany', {
    decisions: [anaDrop, { ...anaDrop, fileId: door }],
  });
  assert.deepEqual(
    (batch.result!['answers'] as { status: string }[]).map((a) => a.status),
    ['duplicate', 'refused'],
  );
  const tooMany = await ana.request('review.decideHeldMany', {
    decisions: Array.from({ length: 201 }, () => ({ fileId: door, decision: 'drop', reviewer: 'ana' })),
  });
  assert.equal(tooMany.ok, false);
  assert.match(tooMany.error!.message, /decisions/);
  assert.equal(queue.get(door)?.state, 'held');

  // Every UI hears about the decision once (the duplicate and the overtaken ones change nothing).
  const changes = bo
    .events('corrections.changed')
    .filter((e) => (e.payload['fileIds'] as number[]).includes(gate));
  assert.equal(changes.length, 1);
  host.close();
  queue.close();
});
