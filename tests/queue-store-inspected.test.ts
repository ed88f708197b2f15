import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import type { FilePatch, QueueChange } from '../main/engine/queue/types.ts';
import type { Decision } from '../shared/decision.ts';
import type { Inspection } from '../shared/inspection.ts';
import type { FileState } from '../shared/status.ts';

// storeInspected() is the pipeline's one-write commit of an inspected, decided file. It must leave
// the database exactly as saveInspection() + saveDecision() do: rows, counters, change log,
// deliveries and catalog marks.

const dir = await mkdtemp(join(tmpdir(), 'edge-store-inspected-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
let n = 0;

function openQueue(): { queue: CaptureQueue; changes: Omit<QueueChange, 'seq' | 'at'>[] } {
  const queue = new CaptureQueue(join(dir, `q${n++}.db`), { now: () => 1_700_000_000_000 });
  queue.deliveries.setDefaults(['main', 'backup']);
  const changes: Omit<QueueChange, 'seq' | 'at'>[] = [];
  queue.on('change', (batch) => {
    for (const { seq: _seq, at: _at, ...change } of batch) changes.push(change);
  });
  return { queue, changes };
}

const inspectionOf = (name: string): Inspection => ({
  size: 10,
  mtimeMs: 1000,
  sha256: `${name.length}`.padStart(64, 'c'),
  contentType: 'image/jpeg',
  contentTypeSource: 'magic',
  tags: { 'pii:email': 2 },
  warnings: ['a warning'],
});

const decisionOf = (action: Decision['action'], extra: Partial<Decision> = {}): Decision => ({
  action,
  rule: 'r1',
  ruleIndex: 0,
  reason: `rule r1 says ${action}`,
  priority: 7,
  objectKey: 'site/cam/a.jpg',
  metadata: {},
  trace: [{ rule: 'r1', matched: true, because: 'it matched' }],
  decidedAt: 1,
  ...extra,
});

function discover(queue: CaptureQueue, name: string): number {
  return queue.discover({ folderId: 'cam', relPath: name, absPath: `/c/${name}`, size: 10, mtimeMs: 1000 })
    .id;
}

/** Everything a commit writes, in a comparable form (counters without the zero rows). */
function snapshot(queue: CaptureQueue): unknown {
  const all = (sql: string) => queue.database.prepare(sql).all();
  return {
    files: all('SELECT * FROM files ORDER BY id'),
    events: all('SELECT * FROM events ORDER BY seq'),
    deliveries: all('SELECT * FROM deliveries ORDER BY file_id, destination'),
    stateCounts: all('SELECT * FROM state_counts WHERE n != 0 ORDER BY state'),
    deliveryCounts: all('SELECT * FROM delivery_counts WHERE n != 0 ORDER BY destination, state'),
    marks: all('SELECT * FROM catalog_dirty ORDER BY file_id'),
  };
}

interface Case {
  name: string;
  decision: Decision;
  to: FileState;
  extra?: FilePatch;
  /** Inspected (stored) before the commit, as after a restart. */
  alreadyInspected?: boolean;
  /** Runs on both queues before the commit. */
  prepare?: (queue: CaptureQueue, id: number) => void;
}

/** Runs one case the old way on one queue and with storeInspected on another; both must agree. */
function compare(c: Case): void {
  const old = openQueue();
  const fused = openQueue();
  for (const side of [old, fused]) {
    discover(side.queue, 'other.jpg');
    const id = discover(side.queue, c.name);
    if (c.alreadyInspected) side.queue.saveInspection(id, inspectionOf(c.name));
    c.prepare?.(side.queue, id);
  }
  const id = Number(old.queue.getByPath(`/c/${c.name}`)?.id);
  const seen = { state: old.queue.get(id)!.state, revision: old.queue.get(id)!.revision ?? 0 };
  old.changes.length = 0;
  fused.changes.length = 0;

  old.queue.transaction(() => {
    if (!c.alreadyInspected) old.queue.saveInspection(id, inspectionOf(c.name));
    old.queue.saveDecision(id, c.decision, c.to, c.extra);
  });
  const stored = fused.queue.storeInspected({
    id,
    relPath: c.name,
    folderId: 'cam',
    seen,
    inspection: inspectionOf(c.name),
    decision: c.decision,
    to: c.to,
    extra: c.extra,
  });

  assert.equal(stored, true);
  assert.deepEqual(snapshot(fused.queue), snapshot(old.queue), c.name);
  assert.deepEqual(fused.changes, old.changes, `${c.name}: change events`);
  old.queue.close();
  fused.queue.close();
}

describe('storeInspected: one write, the same result as saveInspection + saveDecision', () => {
  test('queued to the default destinations, with both state changes in the log', () => {
    compare({ name: 'a.jpg', decision: decisionOf('upload'), to: 'queued' });
  });

  test('queued to the destinations the rule names, each with its key', () => {
    const deliveries = [
      { destination: 'backup', objectKey: 'b/a.jpg' },
      { destination: 'main', objectKey: 'm/a.jpg' },
    ];
    compare({ name: 'named.jpg', decision: decisionOf('upload', { deliveries }), to: 'queued' });
  });

  test('skipped as a duplicate, held, quarantined', () => {
    const dupe = decisionOf('upload', { reason: 'Same content as other.jpg (queued); not uploaded twice' });
    compare({ name: 'dupe.jpg', decision: dupe, to: 'skipped', extra: { duplicateOf: 1 } });
    compare({ name: 'held.jpg', decision: decisionOf('hold'), to: 'held' });
    compare({ name: 'pii.jpg', decision: decisionOf('quarantine'), to: 'quarantined' });
  });

  test('a file inspected before a restart: only the decision is written', () => {
    compare({ name: 'resumed.jpg', decision: decisionOf('upload'), to: 'queued', alreadyInspected: true });
  });

  test('every destination already has the file: it ends uploaded, as a requeue does', () => {
    const uploadedEverywhere = (queue: CaptureQueue, id: number) => {
      for (const destination of ['main', 'backup']) {
        queue.database
          .prepare(
            `INSERT INTO deliveries (file_id, destination, state, ordinal, priority, state_changed_at)
             VALUES (?, ?, 'uploaded', 0, 0, 1)`,
          )
          .run(id, destination);
      }
    };
    compare({
      name: 'everywhere.jpg',
      decision: decisionOf('upload'),
      to: 'queued',
      alreadyInspected: true,
      prepare: uploadedEverywhere,
    });
  });

  test('a row that changed since it was inspected is left alone', () => {
    const { queue, changes } = openQueue();
    const id = discover(queue, 'moving.jpg');
    // Rewritten on disk meanwhile: a new revision, still `discovered`.
    queue.discover({
      folderId: 'cam',
      relPath: 'moving.jpg',
      absPath: '/c/moving.jpg',
      size: 99,
      mtimeMs: 2000,
    });
    const before = snapshot(queue);
    changes.length = 0;
    const stored = queue.storeInspected({
      id,
      relPath: 'moving.jpg',
      folderId: 'cam',
      seen: { state: 'discovered', revision: 0 },
      inspection: inspectionOf('moving.jpg'),
      decision: decisionOf('upload'),
      to: 'queued',
    });
    assert.equal(stored, false);
    assert.deepEqual(snapshot(queue), before);
    assert.deepEqual(changes, []);
    queue.close();
  });

  test('an illegal move is refused with the file named, and nothing is written', () => {
    const { queue } = openQueue();
    const id = discover(queue, 'odd.jpg');
    const before = snapshot(queue);
    assert.throws(
      () =>
        queue.storeInspected({
          id,
          relPath: 'odd.jpg',
          folderId: 'cam',
          seen: { state: 'discovered', revision: 0 },
          inspection: inspectionOf('odd.jpg'),
          decision: decisionOf('upload'),
          to: 'uploaded',
        }),
      /Illegal state change for odd\.jpg: inspected → uploaded/,
    );
    assert.deepEqual(snapshot(queue), before);
    queue.close();
  });
});
