import { ConfigError } from '../engine/config/errors.ts';
import { loadConfig } from '../engine/config/load.ts';
import type { ResolvedConfig } from '../engine/config/types.ts';
import type { CaptureEngine } from '../engine/engine.ts';
import { RestartRequired } from '../engine/reconfigure.ts';
import { compileRules } from '../engine/rules/index.ts';
import type { Logger } from './output.ts';

/**
 * Re-reading the site file into a running engine (SIGHUP, `edge-capture reload`), for admins who edit
 * the file by hand on a headless gateway. The file is checked as `validate` checks it; a file with
 * problems, or one that changes a setting only a restart can change, is refused and the engine keeps
 * running exactly as it was. Each outcome is logged and written to the activity log, where
 * `edge-capture reload` reads it back.
 */

export type ReloadOutcome = { ok: true; words: string } | { ok: false; reason: string };

/** The activity-log kinds `edge-capture reload` waits for. */
export const RELOAD_NOTES = { applied: 'settings-reloaded', refused: 'settings-reload-refused' } as const;

export interface ReloadTarget {
  readonly engine: CaptureEngine;
  /** Applies the new config (through the engine host when one serves UIs, so they follow). */
  apply(next: ResolvedConfig): Promise<string | undefined>;
}

export async function reloadSiteFile(target: ReloadTarget, logger: Logger): Promise<ReloadOutcome> {
  const { engine } = target;
  const file = engine.config.source;
  const refuse = (reason: string): ReloadOutcome => {
    engine.queue.note(RELOAD_NOTES.refused, `site file not reloaded: ${reason}`);
    logger.log('error', `site file not reloaded: ${reason}`, { config: file });
    return { ok: false, reason };
  };
  if (file.startsWith('(')) return refuse('this engine runs on a built-in config, not a file');
  let next: ResolvedConfig;
  try {
    next = await loadConfig(file);
    compileRules(next); // globs, times and templates only show their problems when compiled
  } catch (error) {
    if (!(error instanceof ConfigError)) return refuse((error as Error).message);
    const first = error.issues[0];
    const more =
      error.issues.length > 1 ? ` (and ${error.issues.length - 1} more: run edge-capture validate)` : '';
    return refuse(
      `${first ? `${first.path || 'the file'}: ${first.message}${first.hint ? ` ${first.hint}` : ''}` : error.message}${more}; the engine keeps its settings`,
    );
  }
  let applied: string | undefined;
  try {
    applied = await target.apply(next);
  } catch (error) {
    const why =
      error instanceof RestartRequired
        ? error.message
        : `the engine could not apply it: ${(error as Error).message}`;
    return refuse(`${why}; the engine keeps its settings`);
  }
  const words = applied ? `applied without a restart: ${applied}` : 'nothing the engine uses changed';
  engine.queue.note(RELOAD_NOTES.applied, `site file reloaded, ${words}`);
  logger.log('info', `site file reloaded, ${words}`, { config: file });
  return { ok: true, words };
}
