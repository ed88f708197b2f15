/**
 * How much CPU the rest of the machine used while a tool ran. The machine has two cores that
 * the tool and the S3 server already share: anything else running at the same time (another
 * benchmark, a test suite) skews the figures, and this says by how much.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** user + nice + system time of all CPUs, in seconds (interrupt time is nobody's in particular). */
function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0] = fields;
  return (user + nice + system) / TICKS_PER_SECOND;
}

/** user + system time of one process (all its threads), in seconds; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

export interface CpuSnapshot {
  machine: number;
  server: number;
  bench: number;
}

/** `serverPids`: the S3 server's daemons (empty when the server runs inside this process). */
export function cpuSnapshot(serverPids: number[]): CpuSnapshot {
  const own = process.cpuUsage();
  return {
    machine: machineBusySeconds(),
    server: serverPids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0),
    bench: (own.user + own.system) / 1e6,
  };
}

/** CPU seconds used between two snapshots by neither the tool, the server nor this process. */
export function foreignCpuSeconds(before: CpuSnapshot, after: CpuSnapshot, toolCpuSeconds: number): number {
  const machine = after.machine - before.machine;
  const ours = after.server - before.server + (after.bench - before.bench) + toolCpuSeconds;
  return Math.max(0, machine - ours);
}

export function serverCpuSeconds(before: CpuSnapshot, after: CpuSnapshot): number {
  return after.server - before.server;
}
