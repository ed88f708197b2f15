import { type MessagePortMain, type UtilityProcess, utilityProcess } from 'electron';
import type { HostEntryArgs } from './host-entry.ts';
import type { HostProcess, ProcessLauncher, RestartInfo } from './host-supervisor.ts';

/**
 * The ProcessLauncher of the desktop app: each engine host is an Electron utility process running
 * host-entry.ts. Only this file and main.ts touch Electron's process API; the supervisor's logic is
 * tested with Node child processes in its place.
 */
export function utilityProcessLauncher(options: {
  entry: string;
  args: Omit<HostEntryArgs, 'restart'>;
  env: () => Record<string, string>;
}): ProcessLauncher<MessagePortMain> {
  return {
    launch(restart: RestartInfo | undefined): HostProcess<MessagePortMain> {
      const args: HostEntryArgs = { ...options.args, ...(restart ? { restart } : {}) };
      const child: UtilityProcess = utilityProcess.fork(options.entry, [JSON.stringify(args)], {
        serviceName: 'Edge Capture engine',
        stdio: 'inherit',
        env: { ...(process.env as Record<string, string>), ...options.env() },
      });
      return {
        get pid() {
          return child.pid;
        },
        post: (message, port) => child.postMessage(message, port ? [port] : []),
        onMessage: (listener) => {
          child.on('message', listener);
        },
        onExit: (listener) => {
          child.on('exit', (code) => listener(code));
        },
        kill: () => {
          child.kill();
        },
      };
    },
  };
}
