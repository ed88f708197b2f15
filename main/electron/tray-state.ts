import type { DestinationLink, QueueCounts } from '../../shared/contract/index.ts';
import type { HostState } from './host-supervisor.ts';

/** The tray icon's four looks, most urgent first in `trayState`. */
export type TrayIcon = 'attention' | 'offline' | 'uploading' | 'idle';

export interface TrayInput {
  host: HostState;
  counts?: Partial<QueueCounts>;
  destinations: readonly DestinationLink[];
  /** The engine said something needs a person (capture paused, a fatal config problem). */
  problem?: string;
  now: number;
}

export interface TrayState {
  icon: TrayIcon;
  /** One line for the tray tooltip (kept short: some desktops cut at ~60 characters per line). */
  tooltip: string;
}

/** Files a person has to look at: set aside, held for review, or not readable. */
const ATTENTION_STATES = ['quarantined', 'held', 'unreadable', 'link_refused', 'conflict'] as const;
const WORK_STATES = ['discovered', 'inspected', 'queued', 'uploading', 'failed'] as const;

function sum(counts: Partial<QueueCounts> | undefined, states: readonly string[]): number {
  return states.reduce((total, state) => total + (counts?.[state as keyof QueueCounts] ?? 0), 0);
}

function ago(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 120) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h`;
}

/** Counts, links and host state → the tray's icon and tooltip. Pure. */
export function trayState(input: TrayInput): TrayState {
  const lines = ['Edge Capture'];
  const pending = sum(input.counts, WORK_STATES);
  const attention = sum(input.counts, ATTENTION_STATES);
  const offline = input.destinations.filter((link) => link.state === 'offline' || link.state === 'paused');
  let icon: TrayIcon;
  if (input.host === 'restarting' || input.host === 'stopped') {
    icon = 'attention';
    lines.push(input.host === 'restarting' ? 'Engine stopped; restarting' : 'Engine not running');
  } else if (input.host === 'starting') {
    icon = 'idle';
    lines.push('Starting the engine');
  } else if (offline.length > 0) {
    icon = 'offline';
    const since = Math.min(...offline.map((link) => link.since ?? input.now));
    lines.push(`Offline for ${ago(input.now - since)}: ${offline.map((link) => link.name).join(', ')}`);
  } else if (input.problem || attention > 0) {
    icon = 'attention';
  } else if (pending > 0) {
    icon = 'uploading';
  } else {
    icon = 'idle';
    lines.push('All caught up');
  }
  if (input.problem) lines.push(input.problem.length > 80 ? `${input.problem.slice(0, 79)}…` : input.problem);
  if (pending > 0) lines.push(`${pending} file(s) to upload`);
  if (attention > 0) lines.push(`${attention} file(s) need attention`);
  return { icon, tooltip: lines.join('\n') };
}
