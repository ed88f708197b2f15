import { type HostEntryArgs, type ParentPortLike, runHostProcess } from './host-process.ts';
import { startHostService } from './host-service.ts';
import { fromMessagePortMain, type MessagePortMainLike } from './ports.ts';

/**
 * Entry of the engine host utility process (utilityProcess.fork from main.ts). It runs the engine and
 * the EngineHost; the main process hands it one end of a MessageChannelMain per UI, asks it for
 * pictures and file locations, answers its seal/unseal calls, and asks it to stop. Everything else
 * is in host-process.ts and host-service.ts, which are tested in Node.
 */
export type { HostEntryArgs } from './host-process.ts';

const parentPort = (process as unknown as { parentPort?: ParentPortLike<MessagePortMainLike> }).parentPort;

function log(level: 'info' | 'warn' | 'error', message: string): void {
  // stdout/stderr of the utility process go to the main process's log.
  (level === 'info' ? console.log : console.error)(`[engine host] ${level}: ${message}`);
}

if (!parentPort) throw new Error('host-entry.ts runs only as an Electron utility process.');
const args = JSON.parse(process.argv[2] ?? '{}') as HostEntryArgs;
const running = runHostProcess({
  parentPort,
  args,
  start: startHostService,
  connect: (service, port) => service.connect(fromMessagePortMain(port)),
  log,
  exit: (code) => process.exit(code),
});
process.once('SIGTERM', () => void running.stop());
