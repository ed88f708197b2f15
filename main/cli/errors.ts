/** Exit codes, documented in README. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  invalidConfig: 3,
  /** `status`: an engine should be running but its heartbeat is stale. */
  notRunning: 4,
} as const;

/** An error whose message is meant for the person at the terminal (no stack trace). */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.failure) {
    super(message);
    this.exitCode = exitCode;
  }
}
