import { DEFAULT_DESTINATION } from './queue/delivery-types.ts';
import type { CaptureQueue } from './queue/queue.ts';
import type { UploaderStatus } from './upload/uploader.ts';

/** The queue meta key holding what the engine knows of its link to the store. */
export const LINK_MEMORY_KEY = 'link';

/** Each destination's link is remembered on its own; `default` keeps the key it always had. */
export function linkMemoryKey(destination = DEFAULT_DESTINATION): string {
  return destination === DEFAULT_DESTINATION ? LINK_MEMORY_KEY : `${LINK_MEMORY_KEY}:${destination}`;
}

/**
 * What the engine last knew about its link to the store, kept in the queue's meta table so that
 * a restart in the middle of an outage does not forget the last success or when the outage began.
 */
export interface LinkMemory {
  lastSuccessAt?: number;
  /** The store has been unreachable (or refusing us) since then, and nothing has succeeded since. */
  offlineSince?: number;
  pausedFor?: string;
  lastError?: string;
}

export function readLinkMemory(queue: CaptureQueue, destination = DEFAULT_DESTINATION): LinkMemory {
  const saved = parse(queue.getMeta(linkMemoryKey(destination)));
  if (saved) return saved;
  if (destination !== DEFAULT_DESTINATION) return {};
  // Queues from before this key: the last heartbeat carried the same facts.
  const upload = (parse(queue.getMeta('heartbeat')) as { upload?: UploaderStatus } | undefined)?.upload;
  if (!upload) return {};
  return {
    lastSuccessAt: upload.lastSuccessAt,
    offlineSince: upload.online ? undefined : upload.offlineSince,
  };
}

/**
 * Merges what this run has seen with what the last run left, and saves it when it changes. The
 * last run's outage holds until this run sees the store answer (a success, or back online).
 */
export class LinkRecorder {
  private readonly queue: CaptureQueue;
  private readonly before: LinkMemory;
  private sawOutage = false;
  private answered = false;
  private saved: string;
  private readonly key: string;

  constructor(queue: CaptureQueue, before: LinkMemory, destination = DEFAULT_DESTINATION) {
    this.queue = queue;
    this.before = before;
    this.key = linkMemoryKey(destination);
    this.saved = JSON.stringify(before);
  }

  record(status: UploaderStatus): LinkMemory {
    if (!status.online) this.sawOutage = true;
    if (status.lastSuccessAt !== this.before.lastSuccessAt || (status.online && this.sawOutage)) {
      this.answered = true;
    }
    const down = !status.online ? status : this.answered ? undefined : this.before;
    const memory: LinkMemory = {
      lastSuccessAt: status.lastSuccessAt ?? this.before.lastSuccessAt,
      offlineSince: down?.offlineSince,
      pausedFor: down?.pausedFor,
      lastError: down?.lastError,
    };
    const json = JSON.stringify(memory);
    if (json !== this.saved) {
      this.queue.setMeta(this.key, json);
      this.saved = json;
    }
    return memory;
  }
}

function parse(raw: string | undefined): LinkMemory | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as LinkMemory;
  } catch {
    return undefined;
  }
}
