/** The uploader's candidate query on a real SQLite queue: order, due retries, and index use. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { nextUploadIds, QUEUED_SQL } from '../main/engine/upload/scheduler-queries.ts';

const NOW = Date.UTC(2025, 0, 1);
let dir: string;
let queue: CaptureQueue;
const ids: Record<string, number> = {};

/** A file brought to `queued` with a priority, through the queue's own API. */
function queued(name: string, priority: number): number {
  const { id } = queue.discover({
    folderId: 'cam',
    relPath: name,
    absPath: `/captures/${name}`,
    size: 1,
    mtimeMs: 1,
  });
  queue.saveInspection(id, {
    size: 1,
    mtimeMs: 1,
    sha256: name.padEnd(64, '0'),
    contentType: 'text/plain',
    contentTypeSource: 'extension',
    tags: {},
    warnings: [],
  });
  queue.saveDecision(
    id,
    {
      action: 'upload',
      rule: 'r',
      ruleIndex: 0,
      reason: 'test',
      priority,
      objectKey: name,
      metadata: {},
      trace: [],
      decidedAt: NOW,
    },
    'queued',
  );
  ids[name] = id;
  return id;
}

function failed(name: string, priority: number, nextAttemptAt: number): void {
  const id = queued(name, priority);
  queue.transition(id, 'uploading');
  queue.transition(id, 'failed', { attempts: 1, nextAttemptAt, lastError: 'test' });
}

const names = (list: number[]) => list.map((id) => Object.keys(ids).find((name) => ids[name] === id));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edge-scheduler-'));
  queue = new CaptureQueue(join(dir, 'queue.db'), { now: () => NOW });
  queued('low-1', 0);
  queued('high-1', 5);
  failed('retry-due', 5, NOW - 1);
  failed('retry-later', 9, NOW + 60_000);
  queued('mid-1', 1);
  queued('high-2', 5);
  queued('low-2', 0);
  queue.transition(queued('in-flight', 9), 'uploading');
  queue.transition(queued('held', 9), 'held');
});
afterAll(async () => {
  queue?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('next uploads', () => {
  test('highest priority first, then oldest first; failed files only once due', () => {
    assert.deepEqual(names(nextUploadIds(queue, { now: NOW, limit: 10, order: 'oldest' })), [
      'high-1',
      'retry-due',
      'high-2',
      'mid-1',
      'low-1',
      'low-2',
    ]);
  });

  test('newest first within each priority', () => {
    assert.deepEqual(names(nextUploadIds(queue, { now: NOW, limit: 10, order: 'newest' })), [
      'high-2',
      'retry-due',
      'high-1',
      'mid-1',
      'low-2',
      'low-1',
    ]);
  });

  test('a limit takes the first ones in that order; a retry falls due with time', () => {
    assert.deepEqual(names(nextUploadIds(queue, { now: NOW, limit: 2, order: 'oldest' })), [
      'high-1',
      'retry-due',
    ]);
    assert.deepEqual(names(nextUploadIds(queue, { now: NOW + 60_000, limit: 1, order: 'oldest' })), [
      'retry-later',
    ]);
    assert.deepEqual(nextUploadIds(queue, { now: NOW, limit: 0, order: 'oldest' }), []);
  });

  test('queued deliveries are read from the state index in order, never sorted', () => {
    const db = new DatabaseSync(join(dir, 'queue.db'), { readOnly: true });
    try {
      for (const sql of Object.values(QUEUED_SQL)) {
        const params = sql.split('?').length - 1;
        const plan = db
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all(...Array.from({ length: params }, () => 5))
          .map((row) => String(row.detail))
          .join('; ');
        assert.match(plan, /USING COVERING INDEX deliveries_by_state/, sql);
        assert.doesNotMatch(plan, /TEMP B-TREE/, sql);
      }
    } finally {
      db.close();
    }
  });
});
