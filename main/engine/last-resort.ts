import type { CaptureEngine } from './engine.ts';

/**
 * Last-resort handlers for a process that hosts an engine (CLI `run`, `demo`, `serve`). A promise
 * rejection or exception nobody handled (a plugin's stray promise, a bug) is recorded in the queue's
 * log and reported as a problem, and the engine keeps running: the queue commits whole transactions
 * only, and one an error escaped from was rolled back, so what it holds stays consistent.
 * Returns a function that removes the handlers.
 */
export function installLastResortHandlers(engine: CaptureEngine): () => void {
  const onRejection = (reason: unknown) => engine.recordUnexpected('unhandled promise rejection', reason);
  const onException = (error: Error) => engine.recordUnexpected('uncaught exception', error);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
