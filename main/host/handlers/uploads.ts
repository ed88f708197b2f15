import type { OperatorPauseMessage } from '../../../shared/contract/index.ts';
import type { HostedEngine } from '../hosted-engine.ts';
import { type HandlerMap, RequestFailed } from './types.ts';

/** Who paused, as the engine's log and `status` will say it. */
const BY_THE_UI = 'an operator in the UI';

function pauseOf(engine: HostedEngine): OperatorPauseMessage {
  const pause = engine.uploadsPaused?.();
  return pause ? { at: pause.at, by: pause.by } : null;
}

function requireControl(
  engine: HostedEngine,
): Required<Pick<HostedEngine, 'pauseUploads' | 'resumeUploads'>> {
  const { pauseUploads, resumeUploads } = engine;
  if (!pauseUploads || !resumeUploads) throw new RequestFailed('This engine has no uploads to pause.');
  return { pauseUploads: pauseUploads.bind(engine), resumeUploads: resumeUploads.bind(engine) };
}

export const uploadsHandlers: HandlerMap<'uploads.state' | 'uploads.pause' | 'uploads.resume'> = {
  'uploads.state': (engine) => ({ paused: pauseOf(engine) }),
  // Every open UI hears of it through the engine's status event (EngineHost announces the pause).
  'uploads.pause': (engine) => {
    requireControl(engine).pauseUploads(BY_THE_UI);
    return { paused: pauseOf(engine) };
  },
  'uploads.resume': (engine) => {
    requireControl(engine).resumeUploads(BY_THE_UI);
    return { paused: null };
  },
};
