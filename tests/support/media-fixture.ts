/** A real queue over a real capture folder, with files the queue knows as inspected, and a MediaLibrary on it. */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CaptureQueue } from '../../main/engine/queue/queue.ts';
import { MediaLibrary, type MediaLibraryOptions } from '../../main/engine/thumbnails/index.ts';
import { type SimulatedCapture, simulate } from '../../main/simulate/index.ts';

export interface MediaSite {
  dir: string;
  captures: string;
  dataDir: string;
  queue: CaptureQueue;
  library: MediaLibrary;
  /** Writes `bytes` at `relPath` in the capture folder and records it as inspected; returns its id. */
  add(relPath: string, bytes: Buffer, contentType?: string): Promise<number>;
  /** Records a file already at `absPath` (it may be a link) as inspected with `bytes`' hash. */
  record(relPath: string, absPath: string, bytes: Buffer, contentType?: string): number;
  close(): Promise<void>;
}

export async function mediaSite(
  options: Partial<Omit<MediaLibraryOptions, 'queue'>> = {},
): Promise<MediaSite> {
  const dir = await mkdtemp(join(tmpdir(), 'edge-media-'));
  const captures = join(dir, 'captures');
  const dataDir = join(dir, 'data');
  await mkdir(captures, { recursive: true });
  await mkdir(dataDir, { recursive: true });
  const queue = new CaptureQueue(join(dataDir, 'queue.db'));
  const library = new MediaLibrary({
    queue,
    folders: [{ id: 'captures', path: captures }],
    dataDir,
    ...options,
  });
  const record = (relPath: string, absPath: string, bytes: Buffer, contentType = 'image/jpeg') => {
    const { id } = queue.discover({ folderId: 'captures', relPath, absPath, size: bytes.length, mtimeMs: 1 });
    queue.saveInspection(id, {
      size: bytes.length,
      mtimeMs: 1,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      contentType,
      contentTypeSource: 'magic',
      tags: {},
      warnings: [],
    });
    return id;
  };
  return {
    dir,
    captures,
    dataDir,
    queue,
    library,
    record,
    async add(relPath, bytes, contentType) {
      const absPath = join(captures, relPath);
      await mkdir(dirname(absPath), { recursive: true });
      await writeFile(absPath, bytes);
      return record(relPath, absPath, bytes, contentType);
    },
    async close() {
      queue.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The bytes of `count` simulated 640×480 frames (real JPEGs, each different). */
export async function simulatedFrames(count: number, seed: number): Promise<Buffer[]> {
  const to = await mkdtemp(join(tmpdir(), 'edge-media-frames-'));
  try {
    const frames: SimulatedCapture[] = [];
    await simulate({
      to,
      ratePerSec: Number.POSITIVE_INFINITY,
      count,
      seed,
      mix: { image: 1 },
      subdirs: false,
      onCapture: (c) => frames.push(c),
    });
    frames.sort((a, b) => a.seq - b.seq);
    return await Promise.all(frames.map((frame) => readFile(frame.path)));
  } finally {
    await rm(to, { recursive: true, force: true });
  }
}
