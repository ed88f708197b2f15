/** Numbers and times the way an operator reads them at a glance. */
export { formatBytes, formatCount } from '../../../shared/format.ts';

export function formatAgo(at: number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

export function formatTime(at: number): string {
  return new Date(at).toLocaleString('en-GB', { hour12: false });
}

/** State names as words. */
export function stateLabel(state: string): string {
  return state.replace(/_/g, ' ');
}
