/**
 * An inspection worker thread: reads files, hashes them and scans them for personal data, so the
 * engine's main thread (watcher, queue, rules) does not have to. Requests arrive in batches from
 * worker-pool.ts; each batch is answered with one message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { confinementFor } from './confine.ts';
import { InspectFailure } from './errors.ts';
import { examineFile } from './examine.ts';
import { readWithBlockingCalls } from './read-once.ts';
import { SidecarPattern } from './sidecar.ts';
import type { ExamineReply, ExamineRequest, WorkerSetup } from './worker-pool.ts';

/** Reads interleaved per worker: blocking calls make them sequential except where a read awaits real work. */
const IN_FLIGHT = 4;

readWithBlockingCalls();
const setup = workerData as WorkerSetup;
const sidecars = new SidecarPattern(setup.inspect.sidecarPattern);
const folders = new Map(setup.folders.map((folder) => [folder.id, folder]));

async function answer(request: ExamineRequest): Promise<ExamineReply> {
  const { seq, target } = request;
  try {
    const confine = confinementFor(folders, target);
    return { seq, examined: await examineFile(target, setup.inspect, sidecars, confine, setup.forPlugins) };
  } catch (error) {
    if (error instanceof InspectFailure) {
      return { seq, failure: { kind: error.kind, message: error.message, code: error.code } };
    }
    const { message, code } = error as NodeJS.ErrnoException;
    return { seq, error: { message: message ?? String(error), code } };
  }
}

parentPort?.on('message', async (requests: ExamineRequest[]) => {
  const replies: ExamineReply[] = new Array(requests.length);
  let next = 0;
  const lane = async () => {
    while (next < requests.length) {
      const index = next++;
      replies[index] = await answer(requests[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, requests.length) }, lane));
  parentPort?.postMessage(replies);
});
