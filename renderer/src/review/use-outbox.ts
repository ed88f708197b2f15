import { useEffect, useState } from 'react';
import type { EngineClient } from '../contract/client.ts';
import { useEngine } from '../state/engine-context.ts';
import type { HeldRecord } from './held-outbox.ts';
import { Outbox, type OutboxCounts, OutboxDb, type OutboxRecord, type SyncState } from './outbox.ts';

/** One outbox per engine client (per page): it outlives the Review view, so sync goes on elsewhere. */
const outboxes = new WeakMap<EngineClient, Outbox>();

export function outboxFor(client: EngineClient): Outbox {
  let outbox = outboxes.get(client);
  if (!outbox) {
    const created = new Outbox(new OutboxDb());
    outbox = created;
    outboxes.set(client, created);
    client.onState((state) =>
      state.kind === 'connected'
        ? created.connect(
            async (corrections) => (await client.request('corrections.submit', { corrections })).outcomes,
            async (decisions) => (await client.request('review.decideHeldMany', { decisions })).answers,
          )
        : created.connect(null),
    );
  }
  return outbox;
}

export function useOutbox(): Outbox {
  return outboxFor(useEngine());
}

export interface OutboxView {
  counts: OutboxCounts;
  sync: SyncState;
  refused: OutboxRecord[];
  /** Held decisions by file: the latest of each (pending, or what the engine answered). */
  held: ReadonlyMap<number, HeldRecord>;
}

/** What is still unsynced (and refused), kept current as the outbox changes. */
export function useOutboxView(outbox: Outbox): OutboxView {
  const [view, setView] = useState<OutboxView>({
    counts: { unsynced: 0, heldUnsynced: 0, refused: 0, drafts: 0, heldConflicts: 0 },
    sync: outbox.state,
    refused: [],
    held: new Map(),
  });
  useEffect(() => {
    let live = true;
    let queued = false;
    const load = () => {
      if (queued) return;
      queued = true;
      queueMicrotask(async () => {
        queued = false;
        const [counts, refused, held] = await Promise.all([
          outbox.counts(),
          outbox.list('refused', 20),
          outbox.allHeld(),
        ]);
        const latest = new Map<number, HeldRecord>();
        for (const record of held.sort((a, b) => a.queuedAt - b.queuedAt)) latest.set(record.fileId, record);
        if (live) setView({ counts, sync: outbox.state, refused, held: latest });
      });
    };
    load();
    const off = outbox.subscribe(load);
    return () => {
      live = false;
      off();
    };
  }, [outbox]);
  return view;
}

const REVIEWER_KEY = 'edge-capture.reviewer';

/** The reviewer's name, remembered on this machine; recorded with every correction. */
export function useReviewer(): [string, (name: string) => void] {
  const [name, setName] = useState(() => localStorage.getItem(REVIEWER_KEY) ?? '');
  return [
    name,
    (next: string) => {
      setName(next);
      localStorage.setItem(REVIEWER_KEY, next);
    },
  ];
}
