import type { QueueCounts } from '../../../shared/contract/index.ts';
import { FILE_STATES, type FileState } from '../../../shared/status.ts';

/** The queue tabs an operator sees: states grouped by what they mean for the operator. */
export interface QueueTab {
  id: string;
  label: string;
  states: readonly FileState[];
  /** Shown when the tab is empty. */
  empty: string;
  tone: 'neutral' | 'good' | 'attention' | 'bad';
}

const GROUPED: readonly FileState[] = [
  'discovered',
  'inspected',
  'queued',
  'uploading',
  'failed',
  'uploaded',
  'retained',
  'removed',
  'held',
  'skipped',
  'quarantined',
];

export const QUEUE_TABS: readonly QueueTab[] = [
  {
    id: 'in-progress',
    label: 'In progress',
    states: ['discovered', 'inspected', 'queued', 'uploading', 'failed'],
    empty: 'Nothing waiting: every file seen so far has been handled.',
    tone: 'neutral',
  },
  {
    id: 'uploaded',
    label: 'Uploaded',
    states: ['uploaded', 'retained', 'removed'],
    empty: 'Nothing uploaded yet.',
    tone: 'good',
  },
  {
    id: 'held',
    label: 'Held for review',
    states: ['held'],
    empty: 'No file is waiting for a person to decide.',
    tone: 'attention',
  },
  {
    id: 'skipped',
    label: 'Skipped',
    states: ['skipped'],
    empty: 'No file was skipped by a rule.',
    tone: 'neutral',
  },
  {
    id: 'quarantined',
    label: 'Quarantined',
    states: ['quarantined'],
    empty: 'No file is quarantined.',
    tone: 'bad',
  },
  {
    id: 'problems',
    label: 'Problems',
    // Every other state: a file the engine could not handle as it is (conflict, vanished, unreadable …).
    states: FILE_STATES.filter((state) => !GROUPED.includes(state)),
    empty: 'No file problems.',
    tone: 'bad',
  },
];

export function tabCount(tab: QueueTab, counts: QueueCounts | undefined): number {
  if (!counts) return 0;
  return tab.states.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
}
