/** Ad-hoc queries run on a read-only connection; the archive path has its own column (additive migration). */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edge-queue-ro-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function addFile(queue: CaptureQueue, name: string): number {
  return queue.discover({ folderId: 'cam', relPath: name, absPath: join(dir, name), size: 1, mtimeMs: 1 }).id;
}

describe('ad-hoc queries', () => {
  for (const where of ['file', 'memory'] as const) {
    test(`a WITH … DELETE gets past the SELECT|WITH check but deletes nothing (${where} queue)`, () => {
      const queue = new CaptureQueue(where === 'file' ? join(dir, 'queue.db') : ':memory:');
      try {
        addFile(queue, 'a.jpg');
        addFile(queue, 'b.jpg');
        for (const sql of [
          'WITH x AS (SELECT 1) DELETE FROM files',
          'WITH x AS (SELECT 1) UPDATE files SET state = 1',
          'WITH x AS (SELECT 1) INSERT INTO meta (key, value) VALUES (1, 2)',
        ]) {
          assert.throws(() => queue.select(sql), /refused a query that writes .*read-only queries only/);
        }
        assert.equal(Number(queue.select('SELECT count(*) AS n FROM files')[0]?.n), 2);
        assert.equal(queue.get(1)?.state, 'discovered');
        // The queue still writes after a refused query.
        addFile(queue, 'c.jpg');
        assert.equal(
          Number(queue.select('WITH f AS (SELECT * FROM files) SELECT count(*) AS n FROM f')[0]?.n),
          3,
        );
      } finally {
        queue.close();
      }
    });
  }
});

describe('archived_path column', () => {
  test('added to an older database once, filled from the prose reason, and read from the record', () => {
    const path = join(dir, 'queue.db');
    let queue = new CaptureQueue(path);
    const archived = addFile(queue, 'a.jpg');
    const deleted = addFile(queue, 'b.jpg');
    queue.close();
    // As a queue written before the column existed: no column, the path only in `reason`.
    const raw = new DatabaseSync(path);
    raw.exec('DROP INDEX IF EXISTS files_archived');
    raw.exec('ALTER TABLE files DROP COLUMN archived_path');
    raw
      .prepare("UPDATE files SET state = 'removed', reason = ? WHERE id = ?")
      .run('Archived to /srv/archive/cam/a.jpg', archived);
    raw
      .prepare("UPDATE files SET state = 'removed', reason = ? WHERE id = ?")
      .run('Deleted locally after upload: x', deleted);
    raw.close();

    for (let open = 0; open < 2; open++) {
      queue = new CaptureQueue(path);
      const columns = queue.select("SELECT name FROM pragma_table_info('files')");
      assert.equal(columns.filter((c) => c.name === 'archived_path').length, 1, 'added once, not twice');
      assert.equal(queue.get(archived)?.archivedPath, '/srv/archive/cam/a.jpg');
      assert.equal(queue.get(deleted)?.archivedPath, undefined);
      queue.close();
    }
  });
});
