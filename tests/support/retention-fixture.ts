/** Real temp folders and a real SQLite queue with files brought to each state through the queue's own API. */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ResolvedFolder } from '../../main/engine/config/types.ts';
import { CaptureQueue } from '../../main/engine/queue/queue.ts';
import { type RetentionSettings, resolveRetentionSettings } from '../../main/engine/retention/settings.ts';
import type { Decision } from '../../shared/decision.ts';
import type { RetentionConfig } from '../../shared/upload-config.ts';
import { folderAt } from './fs-helpers.ts';

export interface Fixture {
  root: string;
  captures: string;
  dataDir: string;
  queuePath: string;
  queue: CaptureQueue;
  folder: ResolvedFolder;
  /** The clock shared by the queue and retention; tests move it forward. */
  clock: { now: number };
  settings(raw?: RetentionConfig): RetentionSettings;
  reopenQueue(): CaptureQueue;
  cleanup(): Promise<void>;
}

export async function makeFixture(): Promise<Fixture> {
  const root = await mkdtemp(join(tmpdir(), 'edge-retention-'));
  const captures = join(root, 'captures');
  const dataDir = join(root, 'data');
  await mkdir(captures, { recursive: true });
  const clock = { now: Date.UTC(2025, 0, 1) };
  const queuePath = join(dataDir, 'queue.db');
  const open = () => new CaptureQueue(queuePath, { durability: 'normal', now: () => clock.now });
  const fixture: Fixture = {
    root,
    captures,
    dataDir,
    queuePath,
    queue: open(),
    folder: folderAt(captures),
    clock,
    settings: (raw) => resolveRetentionSettings(raw, dataDir),
    reopenQueue() {
      fixture.queue.close();
      fixture.queue = open();
      return fixture.queue;
    },
    async cleanup() {
      fixture.queue.close();
      await rm(root, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** Writes a file of `size` bytes (content varies with the name) with the given mtime. */
export async function writeCapture(
  fx: Fixture,
  relPath: string,
  size: number,
  mtimeMs?: number,
): Promise<string> {
  const absPath = join(fx.captures, relPath);
  await mkdir(dirname(absPath), { recursive: true });
  const unit = `${relPath}|`;
  await writeFile(absPath, unit.repeat(Math.ceil(size / unit.length)).slice(0, size));
  if (mtimeMs !== undefined) await utimes(absPath, mtimeMs / 1000, mtimeMs / 1000);
  return absPath;
}

/** discover → saveInspection → saveDecision(upload) → `queued`, as the engine does it. */
export async function queueCapture(
  fx: Fixture,
  relPath: string,
  size: number,
  mtimeMs?: number,
): Promise<number> {
  const absPath = await writeCapture(fx, relPath, size, mtimeMs);
  const info = await stat(absPath);
  const { id } = fx.queue.discover({
    folderId: fx.folder.id,
    relPath,
    absPath,
    size: info.size,
    mtimeMs: info.mtimeMs,
  });
  const sha256 = createHash('sha256').update(relPath).digest('hex');
  fx.queue.saveInspection(id, {
    size: info.size,
    mtimeMs: info.mtimeMs,
    sha256,
    contentType: 'application/octet-stream',
    contentTypeSource: 'unknown',
    tags: {},
    warnings: [],
  });
  const decision: Decision = {
    action: 'upload',
    rule: 'everything',
    ruleIndex: 0,
    reason: 'Rule "everything" says upload',
    priority: 0,
    objectKey: `site/${relPath}`,
    metadata: {},
    trace: [],
    decidedAt: fx.clock.now,
  };
  fx.queue.saveDecision(id, decision, 'queued');
  return id;
}

/** queued → uploading → uploaded: the uploader's confirmation. */
export function confirmUpload(fx: Fixture, id: number): void {
  fx.queue.transition(id, 'uploading');
  fx.queue.transition(id, 'uploaded', {}, 'Upload confirmed by the store');
}

export async function uploadedCapture(
  fx: Fixture,
  relPath: string,
  size: number,
  mtimeMs?: number,
): Promise<number> {
  const id = await queueCapture(fx, relPath, size, mtimeMs);
  confirmUpload(fx, id);
  return id;
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The removal (or other) entries recorded for a file, as "from→to: detail" lines. */
export function historyLines(fx: Fixture, id: number): string[] {
  return fx.queue
    .history(id)
    .map((change) => `${change.from ?? ''}→${change.to ?? ''}: ${change.detail ?? ''}`);
}
