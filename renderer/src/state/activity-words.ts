import type { ActivityItem } from '../../../shared/contract/index.ts';
import { PROBLEM_STATES } from '../../../shared/status.ts';

/** One activity entry as a sentence an operator reads: what happened, to what, and why. */
export interface ActivityLine {
  title: string;
  detail?: string;
  tone: 'neutral' | 'good' | 'attention' | 'bad';
}

const GOOD = new Set(['uploaded', 'retained', 'removed']);
const BAD: ReadonlySet<string> = new Set(PROBLEM_STATES);
const ATTENTION = new Set(['held']);

const words = (state: string): string => state.replace(/_/g, ' ');

const ENGINE_WORDS: Record<string, string> = {
  'engine-started': 'Engine started',
  'engine-stopped': 'Engine stopped',
  'rules-changed': 'Rules changed',
  upload: 'Uploads',
  'capture-paused': 'Capture paused',
  'capture-resumed': 'Capture resumed',
  'disk-guard': 'Disk guard',
  'dropping-new': 'Dropping new captures',
  'dropping-stopped': 'No longer dropping new captures',
  'burst-rescan': 'Folders scanned after a burst',
};

export function describeActivity(item: ActivityItem): ActivityLine {
  const file = item.relPath ? `${item.folderId ? `${item.folderId}/` : ''}${item.relPath}` : 'a file';
  switch (item.kind) {
    case 'discovered':
      return { title: `New file ${file}`, detail: item.detail, tone: 'neutral' };
    case 'changed':
      return {
        title: `${file} changed on disk and is looked at again`,
        detail: item.detail,
        tone: 'neutral',
      };
    case 'predictions':
      return { title: `Predictions arrived for ${file}`, detail: item.detail, tone: 'neutral' };
    case 'state': {
      const to = item.to ?? 'unknown';
      const tone = GOOD.has(to) ? 'good' : BAD.has(to) ? 'bad' : ATTENTION.has(to) ? 'attention' : 'neutral';
      const title =
        item.from === item.to
          ? `${file} (still ${words(to)})`
          : `${file}: ${item.from ? `${words(item.from)} → ` : ''}${words(to)}`;
      return { title, detail: item.detail, tone };
    }
    default: {
      if (item.kind.includes('problem')) return { title: 'Problem', detail: item.detail, tone: 'bad' };
      return {
        title: ENGINE_WORDS[item.kind] ?? words(item.kind.replace(/-/g, ' ')),
        detail: item.detail,
        tone: 'neutral',
      };
    }
  }
}
