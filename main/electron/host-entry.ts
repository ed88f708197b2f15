import type { HostService, HostSite } from './host-service.ts';
import { startHostService } from './host-service.ts';
import type { FromHost, RestartInfo } from './host-supervisor.ts';
import { fromMessagePortMain, type MessagePortMainLike } from './ports.ts';

/**
 * Entry of the engine host utility process (utilityProcess.fork from main.ts). It runs the engine and
 * the EngineHost; the main process hands it one end of a MessageChannelMain per UI, and asks it to
 * stop. Everything else is in host-service.ts, which is tested in Node.
 */

export interface HostEntryArgs {
  site: HostSite;
  engineVersion: string;
  restart?: RestartInfo;
}

interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown; ports: MessagePortMainLike[] }) => void): unknown;
  postMessage(message: FromHost): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;

function log(level: 'info' | 'warn' | 'error', message: string): void {
  // stdout/stderr of the utility process go to the main process's log.
  (level === 'info' ? console.log : console.error)(`[engine host] ${level}: ${message}`);
}

async function main(): Promise<void> {
  if (!parentPort) throw new Error('host-entry.ts runs only as an Electron utility process.');
  const args = JSON.parse(process.argv[2] ?? '{}') as HostEntryArgs;
  let service: HostService | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await service?.stop();
      parentPort.postMessage({ type: 'stopped', clean: true, detail: 'engine stopped' });
      process.exit(0);
    } catch (error) {
      parentPort.postMessage({ type: 'stopped', clean: false, detail: (error as Error).message });
      process.exit(1);
    }
  };
  // Listen first: ports sent while the engine starts are kept until it is up.
  const early: MessagePortMainLike[] = [];
  parentPort.on('message', (event) => {
    const message = event.data as { type?: unknown } | null;
    if (message?.type === 'stop') void stop();
    else if (message?.type === 'connect' && event.ports[0]) {
      if (service) service.connect(fromMessagePortMain(event.ports[0]));
      else early.push(event.ports[0]);
    }
  });
  process.once('SIGTERM', () => void stop());
  try {
    service = await startHostService({ ...args, log });
  } catch (error) {
    parentPort.postMessage({ type: 'fatal', message: (error as Error).message });
    process.exit(1);
  }
  for (const port of early.splice(0)) service.connect(fromMessagePortMain(port));
  parentPort.postMessage({ type: 'ready', engineVersion: args.engineVersion });
}

void main();
