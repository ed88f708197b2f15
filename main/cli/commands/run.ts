import type { ResolvedConfig } from '../../engine/config/types.ts';
import { formatBytes, formatDuration } from '../../engine/config/units.ts';
import { CaptureEngine } from '../../engine/engine.ts';
import { installLastResortHandlers } from '../../engine/last-resort.ts';
import type { QueueChange } from '../../engine/queue/types.ts';
import { configFromArgs } from '../common.ts';
import { CliError, EXIT } from '../errors.ts';
import type { CliArgs } from '../index.ts';
import { createLogger, formatCount, type Logger, type LogLevel } from '../output.ts';
import { reloadSiteFile } from '../reload.ts';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'];

export function logLevelFromArgs(args: CliArgs): LogLevel {
  const level = args.values['log-level'] ?? 'info';
  if (!LOG_LEVELS.includes(level)) {
    throw new CliError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`, EXIT.usage);
  }
  return level as LogLevel;
}

export async function runCommand(args: CliArgs): Promise<number> {
  const config = await configFromArgs(args);
  const logger = createLogger({ json: args.values.json, level: logLevelFromArgs(args) });
  return runEngine(config, logger);
}

/** Runs an engine until SIGINT/SIGTERM, reporting progress. Shared by `run` and `demo`. */
export async function runEngine(
  config: ResolvedConfig,
  logger: Logger,
  extra?: {
    onStarted?: (engine: CaptureEngine) => Promise<void>;
    onStop?: () => Promise<void>;
    /** How a re-read site file is applied (serve: through its engine host); default the engine itself. */
    applyConfig?: (next: ResolvedConfig) => Promise<string | undefined>;
  },
): Promise<number> {
  // Listen for stop signals before starting, so a SIGTERM during start-up still stops cleanly.
  const stopRequested = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  let engine: CaptureEngine;
  try {
    engine = new CaptureEngine(config);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  engine.on('problem', (problem) =>
    logger.log(problem.fatal ? 'error' : 'warn', problem.message, {
      folder: problem.folderId,
      hint: problem.hint,
    }),
  );
  // From here on a stray rejection or exception is logged and recorded, and the engine keeps running.
  const removeLastResort = installLastResortHandlers(engine);
  engine.on('change', (changes) => logDecisions(changes, logger));
  engine.on('caughtUp', () => logger.log('info', 'catch-up scan finished', statusFields(engine)));
  const wasOnline = new Map<string, boolean>();
  engine.on('status', () => {
    const all = engine.destinationStatuses();
    for (const upload of all) {
      if (upload.online === (wasOnline.get(upload.name) ?? true)) continue;
      wasOnline.set(upload.name, upload.online);
      // With several destinations each line names its own; the others keep going.
      const to = all.length > 1 ? ` to ${upload.name}` : '';
      if (upload.online) logger.log('info', `uploads${to} resumed: ${upload.destination} answers again`);
      else
        logger.log('warn', `uploads${to} paused: ${upload.lastError ?? 'the store does not answer'}`, {
          probing: true,
          ...(all.length > 1 ? { destination: upload.name } : {}),
        });
    }
    if (engine.capturePausedReason) logger.log('error', engine.capturePausedReason);
  });
  await engine.start();
  for (const warning of config.warnings) logger.log('warn', warning.message, { config: warning.path });
  await extra?.onStarted?.(engine);
  logger.log('info', `watching ${config.folders.length} folder(s) for site ${config.site}`, {
    folders: config.folders.map((folder) => folder.path),
    dataDir: config.dataDir,
    uploadsTo: engine.uploadStatus()?.destination,
  });

  // SIGHUP (systemd's ExecReload, `edge-capture reload`): re-read the site file, one reload at a time.
  let reloading = Promise.resolve();
  const onHangUp = () => {
    reloading = reloading.then(async () => {
      logger.log('info', 'SIGHUP: re-reading the site file');
      await reloadSiteFile(
        { engine, apply: extra?.applyConfig ?? ((next) => engine.reconfigure(next)) },
        logger,
      ).catch((error) => engine.recordUnexpected('reload', error));
    });
  };
  process.on('SIGHUP', onHangUp);

  let lastDecided = 0;
  let lastTick = Date.now();
  const progress = setInterval(() => {
    const now = Date.now();
    const rate = ((engine.decidedCount - lastDecided) * 1000) / Math.max(1, now - lastTick);
    lastDecided = engine.decidedCount;
    lastTick = now;
    const counts = engine.queue.counts();
    const upload = engine.uploadStatus();
    const link = engine.capturePausedReason
      ? 'CAPTURE PAUSED (disk) · '
      : engine.uploadsPaused()
        ? 'UPLOADS PAUSED (operator) · '
        : upload && !upload.online
          ? 'OFFLINE · '
          : upload?.isLocalDemo
            ? 'local demo store · '
            : '';
    const lastSuccessAt = engine.linkMemory()?.lastSuccessAt;
    const last = upload
      ? lastSuccessAt
        ? ` · last upload ${formatDuration(now - lastSuccessAt)} ago`
        : ' · nothing uploaded yet'
      : '';
    logger.status(
      `${link}${destinationsBrief(engine)}${rate.toFixed(0)} files/s · backlog ${formatCount(engine.backlog)} · queued ${formatCount(counts.queued)} · uploaded ${formatCount(counts.uploaded + counts.retained + counts.removed)} · skipped ${formatCount(counts.skipped)} · held ${formatCount(counts.held)} · quarantined ${formatCount(counts.quarantined)}${last}`,
    );
  }, 500);
  const summary = setInterval(() => {
    if (logger.json) logger.log('info', 'status', statusFields(engine));
  }, STATUS_EVERY_MS);

  await stopRequested;
  // A second Ctrl-C while stopping quits at once; the queue is safe either way.
  process.once('SIGINT', () => process.exit(130));
  clearInterval(progress);
  clearInterval(summary);
  process.off('SIGHUP', onHangUp);
  await reloading;
  logger.log('info', 'stopping…');
  await extra?.onStop?.();
  await engine.stop();
  removeLastResort();
  logger.log('info', 'stopped');
  return EXIT.ok;
}

/** How often a JSON run log gets a status line. */
const STATUS_EVERY_MS = 10_000;

/** A status line's fields: counts by state, then the link (online, or why and since when not) and the last success. */
function statusFields(engine: CaptureEngine): Record<string, unknown> {
  const counts = engine.queue.counts();
  const fields: Record<string, unknown> = Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
  const upload = engine.uploadStatus();
  if (!upload) return fields;
  const link = engine.linkMemory();
  const iso = (at: number | undefined) => (at === undefined ? null : new Date(at).toISOString());
  fields.link = upload.online
    ? link?.offlineSince
      ? 'unconfirmed'
      : 'online'
    : `paused: ${upload.pausedFor ?? 'offline'}`;
  if (link?.offlineSince) fields.offlineSince = iso(link.offlineSince);
  fields.lastSuccess = iso(link?.lastSuccessAt);
  if (engine.capturePausedReason) fields.capturePaused = engine.capturePausedReason;
  const paused = engine.uploadsPaused();
  if (paused) fields.uploadsPaused = { by: paused.by, since: iso(paused.at) };
  const destinations = engine.destinationStatuses();
  if (destinations.length > 1) {
    // Each destination on its own: link, last success, speed and its uploads by state.
    fields.destinations = Object.fromEntries(
      destinations.map((d) => [
        d.name,
        {
          link: d.online
            ? d.link.offlineSince
              ? 'unconfirmed'
              : 'online'
            : `paused: ${d.pausedFor ?? 'offline'}`,
          ...(d.link.offlineSince ? { offlineSince: iso(d.link.offlineSince) } : {}),
          lastSuccess: iso(d.link.lastSuccessAt),
          bytesPerSecond: Math.round(d.bytesPerSecond),
          ...d.counts,
        },
      ]),
    );
  }
  return fields;
}

/** "training ✓ 12 MiB/s · archive OFFLINE · " for the live line, when there are several destinations. */
function destinationsBrief(engine: CaptureEngine): string {
  const destinations = engine.destinationStatuses();
  if (destinations.length < 2) return '';
  return destinations
    .map((d) => {
      if (!d.online)
        return `${d.name} ${d.pausedFor === 'offline' || !d.pausedFor ? 'OFFLINE' : `PAUSED (${d.pausedFor})`} · `;
      const speed = d.bytesPerSecond > 0 ? ` ${formatBytes(d.bytesPerSecond)}/s` : '';
      return `${d.name} ✓${speed} (${formatCount(d.counts.queued ?? 0)} queued) · `;
    })
    .join('');
}

/** States an operator should hear about at once; a refused link may be someone trying to ship a secret. */
const WARN_STATES: ReadonlySet<string> = new Set(['quarantined', 'unreadable', 'link_refused']);

function logDecisions(changes: QueueChange[], logger: Logger): void {
  for (const change of changes) {
    if (change.kind !== 'state' || !change.to) continue;
    const level: LogLevel = WARN_STATES.has(change.to) ? 'warn' : 'debug';
    logger.log(level, `${change.to}: ${change.folderId}/${change.relPath}`, { why: change.detail });
  }
}
