import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeEvent } from '../../shared/contract/index.ts';
import { demoConfigDocument } from '../cli/commands/demo.ts';
import { loadConfig } from '../engine/config/load.ts';
import { resolveConfig } from '../engine/config/resolve.ts';
import type { ResolvedConfig } from '../engine/config/types.ts';
import { type CredentialsSealing, setCredentialsSealing } from '../engine/credentials/destination-store.ts';
import { CaptureEngine } from '../engine/engine.ts';
import { installLastResortHandlers } from '../engine/last-resort.ts';
import { engineMediaLibrary } from '../engine/thumbnails/index.ts';
import { EngineHost } from '../host/engine-host.ts';
import { answerMedia, type MediaAnswer, type MediaQuery } from '../serve/media-route.ts';
import { simulate } from '../simulate/index.ts';
import type { RestartInfo } from './host-supervisor.ts';
import { type FileLocation, MEDIA_FORWARD_MAX_BYTES } from './parent-calls.ts';
import type { ContractPort } from './ports.ts';

/** Which site the desktop engine runs: a config file, or the zero-config demo (simulated sensor). */
export type HostSite = { kind: 'config'; path: string } | { kind: 'demo'; dataDir: string };

export interface HostServiceOptions {
  site: HostSite;
  engineVersion: string;
  /** Set when this host replaces one that died: every UI that connects is told, once per connection. */
  restart?: RestartInfo;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Test hook: the demo's simulated sensor rate (default 5 files/s). */
  demoRatePerSec?: number;
  /** How stored S3 keys are sealed (desktop: the main process's safeStorage); default: not sealed. */
  sealing?: CredentialsSealing;
}

export interface HostService {
  readonly engine: CaptureEngine;
  readonly config: ResolvedConfig;
  /** Serves the contract on one end of a port pair until either side closes it. */
  connect(port: ContractPort): void;
  /** A forwarded `app://…/media/` request, answered exactly as browser mode answers it. */
  media(query: MediaQuery): Promise<MediaAnswer>;
  /** Where a queued file is now and which folder it must be inside (for "Open containing folder"). */
  fileLocation(fileId: number): FileLocation;
  /** Stops the demo sensor, the host and the engine (which lets in-flight work finish or records where it stopped). */
  stop(): Promise<void>;
}

export async function siteConfig(site: HostSite): Promise<ResolvedConfig> {
  if (site.kind === 'config') return loadConfig(site.path);
  mkdirSync(join(site.dataDir, 'captures'), { recursive: true });
  return resolveConfig(demoConfigDocument(site.dataDir), '(built-in demo config)');
}

/** The restart notice, in operator words, sent as a contract `problem` event after each welcome. */
export function restartNotice(restart: RestartInfo): string {
  const how = restart.exitCode === null ? 'was killed' : `exited with code ${restart.exitCode}`;
  const why = restart.reason ? ` (${restart.reason})` : '';
  const times = restart.count === 1 ? 'once' : `${restart.count} times`;
  return `The engine process ${how}${why} and was restarted; this has happened ${times} since the app started. The queue is on disk, so no file was lost.`;
}

/**
 * The engine host process's work, independent of Electron: runs one engine and an EngineHost, and
 * bridges each port it is given to a host session. host-entry.ts is the utility-process glue.
 */
export async function startHostService(options: HostServiceOptions): Promise<HostService> {
  const config = await siteConfig(options.site);
  // Before the engine starts: its first upload may read stored keys.
  setCredentialsSealing(options.sealing ?? {});
  const engine = new CaptureEngine(config);
  engine.on('problem', (problem) => options.log(problem.fatal ? 'error' : 'warn', problem.message));
  const removeLastResort = installLastResortHandlers(engine);
  await engine.start();
  for (const warning of config.warnings) options.log('warn', warning.message);
  const controller = new AbortController();
  let sensor: Promise<unknown> | undefined;
  if (options.site.kind === 'demo') {
    options.log('info', `DEMO MODE: simulated sensor writing into ${join(config.dataDir, 'captures')}`);
    sensor = simulate({
      to: join(config.dataDir, 'captures'),
      ratePerSec: options.demoRatePerSec ?? 5,
      signal: controller.signal,
    }).catch((error) => options.log('error', `simulated sensor stopped: ${(error as Error).message}`));
  }
  const host = new EngineHost(engine, {
    engineVersion: options.engineVersion,
    onHandlerError: (method, error) =>
      options.log('error', `UI request ${method} failed: ${(error as Error).message}`),
  });
  const library = engineMediaLibrary(engine, { maxImageBytes: MEDIA_FORWARD_MAX_BYTES });
  const ports = new Set<ContractPort>();
  let stopping: Promise<void> | undefined;
  return {
    engine,
    config,
    media: (query) => answerMedia(library, query),
    fileLocation(fileId) {
      const file = engine.queue.get(fileId);
      if (!file) return { found: false };
      const base = {
        found: true as const,
        relPath: file.relPath,
        ...(file.objectKey ? { objectKey: file.objectKey } : {}),
      };
      // As MediaLibrary reads it: the capture folder, or the archive once retention moved it there.
      if (file.state === 'removed') {
        return file.archivedPath
          ? { ...base, path: file.archivedPath, within: config.retention.archiveDir }
          : base;
      }
      const folder = config.folders.find((f) => f.id === file.folderId);
      return { ...base, path: file.absPath, ...(folder ? { within: folder.path } : {}) };
    },
    connect(port) {
      ports.add(port);
      let welcomed = false;
      const session = host.open({
        send: (text) => {
          port.send(text);
          if (!welcomed && options.restart && text.startsWith('{"type":"welcome"')) {
            welcomed = true;
            port.send(
              encodeEvent('problem', {
                at: options.restart.at,
                kind: 'engine-restarted',
                message: restartNotice(options.restart),
              }),
            );
          }
        },
        close: () => {
          ports.delete(port);
          port.close();
        },
      });
      port.onMessage((data) => {
        void session.receive(data);
      });
      port.onClose(() => {
        ports.delete(port);
        session.closed();
      });
    },
    stop() {
      stopping ??= stopAll();
      return stopping;
    },
  };

  async function stopAll(): Promise<void> {
    controller.abort();
    await sensor;
    host.close();
    for (const port of ports) port.close();
    ports.clear();
    await engine.stop();
    removeLastResort();
  }
}
