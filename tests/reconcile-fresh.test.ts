import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { resolveConfig } from '../main/engine/config/resolve.ts';
import { createInspector } from '../main/engine/inspect/index.ts';
import { Pipeline } from '../main/engine/pipeline.ts';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { Reconciler } from '../main/engine/reconcile.ts';
import { compileRules } from '../main/engine/rules/index.ts';
import { CaptureWatcher, type WatchProblem } from '../main/engine/watch/index.ts';

const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

/**
 * The scan after a burst must start after the burst: a pass already under way may have passed the
 * files that matter. Real queue, pipeline, inspector and watcher (not started); the folder does not
 * exist, so each pass reports exactly one problem, which counts the passes.
 */
test('runFresh runs one more pass after the one under way; runOnce joins it; calls while waiting share', async () => {
  const root = await mkdtemp(join(tmpdir(), 'edge-reconcile-fresh-'));
  roots.push(root);
  const config = resolveConfig(
    {
      site: 'fresh',
      dataDir: join(root, 'data'),
      folders: [{ id: 'cam', path: join(root, 'not-there-yet') }],
      reconcileInterval: 0,
      rules: [{ name: 'text', when: { extension: 'txt' }, action: 'upload' }],
    },
    '(test)',
  );
  const queue = new CaptureQueue(join(root, 'data', 'queue.db'));
  const inspector = await createInspector(config.inspect, { folders: config.folders, workers: 0 });
  const pipeline = new Pipeline(config, queue, inspector, compileRules(config));
  const passes: WatchProblem[] = [];
  const reconciler = new Reconciler(
    config,
    queue,
    pipeline,
    new CaptureWatcher(config.folders),
    Date.now,
    (p) => passes.push(p),
  );

  const first = reconciler.runOnce();
  expect(reconciler.runOnce(), 'runOnce joins the pass under way').toBe(first);
  const fresh = reconciler.runFresh();
  expect(reconciler.runFresh(), 'a second call while one waits shares it').toBe(fresh);
  await fresh;
  expect(passes).toHaveLength(2);
  await reconciler.idle();
  expect(passes).toHaveLength(2);
  // Nothing under way: a fresh pass is just a pass.
  await reconciler.runFresh();
  expect(passes).toHaveLength(3);
  reconciler.stop();
  await inspector.close?.();
  queue.close();
});
