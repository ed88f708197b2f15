import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaptureEngine } from '../../engine/engine.ts';
import { engineMediaLibrary } from '../../engine/thumbnails/index.ts';
import { EngineHost } from '../../host/engine-host.ts';
import { isLoopback, loadOrCreateToken } from '../../serve/access.ts';
import { type RunningServer, startServer } from '../../serve/server.ts';
import { configFromArgs } from '../common.ts';
import { CliError, EXIT } from '../errors.ts';
import type { CliArgs } from '../index.ts';
import { createLogger } from '../output.ts';
import { packageVersion } from '../version.ts';
import { demoSite } from './demo.ts';
import { logLevelFromArgs, runEngine } from './run.ts';

export const DEFAULT_PORT = 7878;
/** The built renderer (`npm run build:renderer`). */
const RENDERER_DIR = fileURLToPath(new URL('../../../dist/renderer', import.meta.url));

/** `--listen ADDRESS[:PORT]`, `--listen :PORT`, `--listen [::1]:PORT`. */
export function parseListen(value: string | undefined): { address: string; port: number } {
  if (!value) return { address: '127.0.0.1', port: DEFAULT_PORT };
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*))(?::(\d{1,5}))?$/.exec(value);
  const port = match?.[3] === undefined ? DEFAULT_PORT : Number(match[3]);
  if (!match || port > 65_535) {
    throw new CliError(
      `--listen must be ADDRESS[:PORT], e.g. 127.0.0.1:${DEFAULT_PORT} or 0.0.0.0:8080, got "${value}"`,
      EXIT.usage,
    );
  }
  return { address: match[1] ?? (match[2] || '127.0.0.1'), port };
}

/** Browser mode: the engine, plus the UI and the contract over HTTP + WebSocket. */
export async function serveCommand(args: CliArgs): Promise<number> {
  const logger = createLogger({ json: args.values.json, level: logLevelFromArgs(args) });
  // --demo: the zero-config demo site (simulated sensor) instead of a config file.
  const demo = args.values.demo ? demoSite(args.values['data-dir']) : undefined;
  const config = demo ? demo.config : await configFromArgs(args);
  let stopSensor: (() => Promise<void>) | undefined;
  const { address, port } = parseListen(args.values.listen);
  let token: string | undefined;
  if (!isLoopback(address)) {
    const tokenPath = join(config.dataDir, 'serve-token');
    const loaded = await loadOrCreateToken(tokenPath);
    token = loaded.token;
    if (loaded.created) logger.log('warn', `access token created (readable only by you): ${tokenPath}`);
  }
  let host: EngineHost | undefined;
  let server: RunningServer | undefined;
  const engineVersion = await packageVersion();
  return runEngine(config, logger, {
    onStarted: async (engine: CaptureEngine) => {
      host = new EngineHost(engine, {
        engineVersion,
        onHandlerError: (method, error) =>
          logger.log('error', `UI request ${method} failed: ${(error as Error).message}`),
      });
      try {
        const media = engineMediaLibrary(engine);
        server = await startServer({ host, staticDir: RENDERER_DIR, address, port, token, media });
      } catch (error) {
        throw new CliError(`could not listen on ${address}:${port}: ${(error as Error).message}`);
      }
      logger.log('info', `browser mode${demo ? ' (DEMO site)' : ''}: open ${server.url}`, {
        listen: `${address}:${server.port}`,
      });
      stopSensor = demo?.startSensor(logger);
    },
    onStop: async () => {
      await stopSensor?.();
      await server?.close();
      host?.close();
    },
    // A site file re-read on SIGHUP goes through the host: in turn with UI saves, and the UIs follow.
    applyConfig: async (next) => {
      if (!host) throw new Error('the engine host is not serving yet');
      await host.applyConfig(next);
    },
  });
}
