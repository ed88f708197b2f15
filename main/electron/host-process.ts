import type { SecretSealer } from '../engine/credentials/destination-store.ts';
import { mediaTextAnswer } from '../serve/media-route.ts';
import type { SealingOffer } from './credentials/safe-storage-sealer.ts';
import type { HostService, HostServiceOptions, HostSite } from './host-service.ts';
import type { FromHost, RestartInfo } from './host-supervisor.ts';
import {
  CallChannel,
  HOST_CALLS,
  type HostCallResults,
  type HostSideChannel,
  isCallTraffic,
  type MAIN_CALLS,
  type MainCallResults,
} from './parent-calls.ts';

/**
 * The engine host utility process's side of its parent port, without Electron: it answers the main
 * process's calls (media, file locations), seals keys through the main process, takes connections
 * and the stop request. host-entry.ts hands it `process.parentPort`; tests hand it Node's IPC.
 */

export interface HostEntryArgs {
  site: HostSite;
  engineVersion: string;
  restart?: RestartInfo;
  /** How stored S3 keys are sealed (decided by the main process, which owns safeStorage). */
  sealing?: SealingOffer;
}

/** Electron's parentPort, narrowed (the port type is whatever carries a connection). */
export interface ParentPortLike<Port> {
  on(event: 'message', listener: (event: { data: unknown; ports: Port[] }) => void): unknown;
  postMessage(message: unknown): void;
}

export interface HostProcessOptions<Port> {
  parentPort: ParentPortLike<Port>;
  args: HostEntryArgs;
  start: (options: HostServiceOptions) => Promise<HostService>;
  /** Turns a transferred port into the service's connection. */
  connect: (service: HostService, port: Port) => void;
  log: HostServiceOptions['log'];
  exit: (code: number) => void;
}

/** How long the host waits for the main process to seal or unseal (a keychain prompt may be up). */
const SEAL_TIMEOUT_MS = 120_000;

/** The sealer the engine's key store uses: each seal/unseal is a call to the main process. */
export function remoteSealer(channel: HostSideChannel, kind: string, words: string): SecretSealer {
  return {
    kind,
    words,
    seal: async (plain) => (await channel.call('secret.seal', { plain }, SEAL_TIMEOUT_MS)).sealed,
    unseal: async (sealed) => (await channel.call('secret.unseal', { sealed }, SEAL_TIMEOUT_MS)).plain,
  };
}

export interface RunningHostProcess {
  /** Resolves once the engine is up and `ready` was sent (or `fatal`, then exit). */
  started: Promise<void>;
  /** What the main process's `stop` does; also for SIGTERM. */
  stop(): Promise<void>;
}

export function runHostProcess<Port>(options: HostProcessOptions<Port>): RunningHostProcess {
  const { parentPort, args, log } = options;
  const post = (message: FromHost) => parentPort.postMessage(message);
  let service: HostService | undefined;
  const notYet = () => new Error('The engine is still starting; try again in a moment.');
  const channel: HostSideChannel = new CallChannel<
    typeof HOST_CALLS,
    HostCallResults,
    typeof MAIN_CALLS,
    MainCallResults
  >((message) => parentPort.postMessage(message), HOST_CALLS, {
    'media.get': async (query) => {
      if (!service) return mediaTextAnswer(503, notYet().message, 'engine_unavailable');
      return service.media(query);
    },
    'file.location': async ({ fileId }) => {
      if (!service) throw notYet();
      return service.fileLocation(fileId);
    },
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await service?.stop();
      post({ type: 'stopped', clean: true, detail: 'engine stopped' });
      options.exit(0);
    } catch (error) {
      post({ type: 'stopped', clean: false, detail: (error as Error).message });
      options.exit(1);
    }
  };
  // Listen first: ports sent while the engine starts are kept until it is up.
  const early: Port[] = [];
  parentPort.on('message', (event) => {
    if (isCallTraffic(event.data)) {
      channel.receive(event.data);
      return;
    }
    const message = event.data as { type?: unknown } | null;
    if (message?.type === 'stop') void stop();
    else if (message?.type === 'connect' && event.ports[0]) {
      if (service) options.connect(service, event.ports[0]);
      else early.push(event.ports[0]);
    }
  });
  const sealing = args.sealing;
  const started = (async () => {
    try {
      service = await options.start({
        site: args.site,
        engineVersion: args.engineVersion,
        ...(args.restart ? { restart: args.restart } : {}),
        log,
        sealing: sealing?.sealed
          ? { sealer: remoteSealer(channel, sealing.kind, sealing.words) }
          : sealing
            ? { unsealedBecause: sealing.why }
            : {},
      });
    } catch (error) {
      post({ type: 'fatal', message: (error as Error).message });
      options.exit(1);
      return;
    }
    if (sealing && !sealing.sealed)
      log('warn', `S3 keys set in the app are stored unencrypted (owner-only file): ${sealing.why}`);
    for (const port of early.splice(0)) options.connect(service, port);
    post({ type: 'ready', engineVersion: args.engineVersion });
  })();
  return { started, stop };
}
