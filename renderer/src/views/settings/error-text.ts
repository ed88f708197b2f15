import { EngineRequestError } from '../../contract/client.ts';

/** A failed request in one sentence: the host's own words when it gave some. */
export const errorText = (cause: unknown): string =>
  cause instanceof EngineRequestError ? cause.message : String((cause as Error)?.message ?? cause);
