import { useOutbox, useOutboxView } from '../../review/use-outbox.ts';
import { useConnection } from '../../state/engine-context.ts';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What the outbox still holds: corrections and held decisions not synced yet, refusals, conflicts. */
export function SyncBadge() {
  const outbox = useOutbox();
  const view = useOutboxView(outbox);
  const connection = useConnection();
  const { unsynced, heldUnsynced, refused, heldConflicts } = view.counts;
  const tone = refused > 0 || heldConflicts > 0 ? 'bad' : unsynced > 0 ? 'attention' : 'good';
  const corrections = unsynced - heldUnsynced;
  const what = [
    corrections > 0 ? plural(corrections, 'correction') : '',
    heldUnsynced > 0 ? plural(heldUnsynced, 'held decision') : '',
  ]
    .filter(Boolean)
    .join(' and ');
  const words =
    unsynced === 0
      ? 'All corrections and decisions synced'
      : `${what} not synced yet${connection.kind === 'connected' ? '' : ' (kept here until the engine is back)'}`;
  return (
    <span
      className={`sync-badge tone-${tone}`}
      data-unsynced={unsynced}
      data-held-unsynced={heldUnsynced}
      role="status"
    >
      {words}
      {refused > 0 ? ` · ${refused} refused` : ''}
      {heldConflicts > 0 ? ` · ${plural(heldConflicts, 'held decision')} overtaken` : ''}
    </span>
  );
}
