import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserCommand } from 'vitest/node';
import { CaptureQueue } from '../../main/engine/queue/queue.ts';
import { ReviewService } from '../../main/engine/review/index.ts';
import { EngineHost } from '../../main/host/engine-host.ts';
import { type RunningServer, startServer } from '../../main/serve/server.ts';
import type { Decision } from '../../shared/decision.ts';
import type { FileState } from '../../shared/status.ts';
import { addCapture, box } from './review-fixture.ts';

/**
 * Browser-mode tests talk to a real engine host over a real WebSocket: these commands run in the
 * Vitest (Node) process, where they start the host on loopback and put files into its real queue.
 */
interface Fixture {
  dir: string;
  queue: CaptureQueue;
  host: EngineHost;
  server: RunningServer | undefined;
  origin: string;
  port: number;
  files: number;
}
/**
 * One fixture per test file: browser-mode files run side by side in one Vitest process, and a file
 * starting or stopping its engine must not touch another file's.
 */
const fixtures = new Map<string, Fixture>();
const keyOf = (context: { testPath: string | undefined; sessionId: string }): string =>
  context.testPath ?? context.sessionId;

async function listen(f: Fixture): Promise<RunningServer> {
  return startServer({
    host: f.host,
    staticDir: join(f.dir, 'no-ui'),
    port: f.port,
    allowedOrigins: [f.origin],
  });
}

const decision = (action: Decision['action'], reason: string): Decision => ({
  action,
  rule: `${action}-rule`,
  ruleIndex: 0,
  reason,
  priority: 0,
  objectKey: action === 'upload' ? 'site/key' : undefined,
  metadata: {},
  trace: [{ rule: `${action}-rule`, matched: true, because: 'test' }],
  decidedAt: 0,
});

const ACTION_FOR: Partial<Record<FileState, Decision['action']>> = {
  queued: 'upload',
  held: 'hold',
  skipped: 'skip',
  quarantined: 'quarantine',
};

export const startEngine: BrowserCommand<[origin: string]> = async (context, origin) => {
  await stopFixture(keyOf(context));
  const dir = await mkdtemp(join(tmpdir(), 'edge-ui-'));
  const queue = new CaptureQueue(join(dir, 'queue.db'));
  // The review service as the engine has it (no site config: no exporter), for the Review view's tests.
  const review = new ReviewService(queue);
  const host = new EngineHost(
    { queue, review, on: (e, l) => queue.on(e, l), off: (e, l) => queue.off(e, l) },
    { engineVersion: '0.1.0-ui-test', flushIntervalMs: 50 },
  );
  const fixture: Fixture = { dir, queue, host, server: undefined, origin, port: 0, files: 0 };
  fixtures.set(keyOf(context), fixture);
  fixture.server = await listen(fixture);
  fixture.port = fixture.server.port;
  return { url: `ws://127.0.0.1:${fixture.port}/contract` };
};

/** Adds `count` files in `state`, in one transaction; returns the new ids. */
export const addFiles: BrowserCommand<[count: number, state: FileState]> = (context, count, state) => {
  const f = fixtures.get(keyOf(context));
  if (!f) throw new Error('startEngine first');
  return f.queue.transaction(() => {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      f.files += 1;
      const relPath = `cam/frame_${String(f.files).padStart(6, '0')}.jpg`;
      const { id } = f.queue.discover({
        folderId: 'cam',
        relPath,
        absPath: join(f.dir, relPath),
        size: 4096,
        mtimeMs: 1,
      });
      const action = ACTION_FOR[state];
      if (action) f.queue.saveDecision(id, decision(action, `Test reason: ${state}`), state);
      ids.push(id);
    }
    return ids;
  });
};

/** Adds `count` inspected captures with two predictions each (car, person), as the pipeline would; returns the ids. */
export const addReviewItems: BrowserCommand<[count: number]> = (context, count) => {
  const f = fixtures.get(keyOf(context));
  if (!f) throw new Error('startEngine first');
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    f.files += 1;
    const name = `review_${String(f.files).padStart(6, '0')}.jpg`;
    const predictions = [
      { label: 'car', score: 0.2 + i / 1000, box: box(10, 20, 100, 50) },
      { label: 'person', score: 0.5 + i / 1000, box: box(300, 100, 40, 120) },
    ];
    ids.push(addCapture(f.queue, { name, predictions, modelVersion: 'det-ui' }, f.files));
  }
  return ids;
};

/** Closes the server (connections drop), then listens again on the same port after `downMs`. */
export const bounceEngine: BrowserCommand<[downMs: number]> = async (context, downMs) => {
  const f = fixtures.get(keyOf(context));
  if (!f) throw new Error('startEngine first');
  await f.server?.close();
  f.server = undefined;
  await new Promise((resolve) => setTimeout(resolve, downMs));
  f.server = await listen(f);
};

async function stopFixture(key: string): Promise<void> {
  const f = fixtures.get(key);
  fixtures.delete(key);
  if (!f) return;
  await f.server?.close();
  f.host.close();
  f.queue.close();
  await rm(f.dir, { recursive: true, force: true });
}

export const stopEngine: BrowserCommand<[]> = async (context) => {
  await stopFixture(keyOf(context));
};
