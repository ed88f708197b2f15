import { formatTime } from '../../components/format.ts';
import type { HeldRecord } from '../../review/held-outbox.ts';

/** Words for a held decision: waiting here, applied, overtaken by someone else's, or refused. */
export function heldWords(record: HeldRecord, connected: boolean): string {
  const verb = record.decision === 'upload' ? 'upload' : 'drop';
  const answer = record.answer;
  if (record.status === 'pending' || !answer)
    return `You chose to ${verb} it: not synced yet${connected ? '' : ' (kept here until the engine is back)'}.`;
  if (answer.status === 'decided' || answer.status === 'duplicate')
    return record.decision === 'upload'
      ? `Queued for upload${answer.objectKey ? ` as ${answer.objectKey}` : ''}.`
      : 'Dropped: it will not be uploaded.';
  return 'why' in answer ? answer.why : '';
}

/**
 * A held item's box: why a rule held it, the keys to decide, and this reviewer's decision as the
 * outbox has it (pending, applied, or in conflict with someone who decided first).
 */
export function HeldBox(props: {
  held: boolean;
  reason: string | undefined;
  record: HeldRecord | undefined;
  connected: boolean;
  onDecide(decision: 'upload' | 'drop'): void;
}) {
  const { record } = props;
  const conflict = record?.answer?.status === 'overtaken' && !record.answer.agrees;
  const status = record ? (conflict ? 'conflict' : record.status) : 'open';
  return (
    <div
      className={`held-box${conflict ? ' conflict' : ''}`}
      data-status={status}
      data-decision={record?.decision}
    >
      {props.held ? <p>Held for review{props.reason ? `: ${props.reason}` : ''}.</p> : null}
      {record ? (
        <p className="held-decision" role="status">
          {conflict ? <strong>Conflict: </strong> : null}
          {heldWords(record, props.connected)} <span className="muted">({formatTime(record.decidedAt)})</span>
        </p>
      ) : null}
      {props.held ? (
        <div className="held-keys">
          <button
            type="button"
            className={record?.status === 'pending' && record.decision === 'upload' ? 'on' : undefined}
            onClick={() => props.onDecide('upload')}
          >
            Upload <kbd>U</kbd>
          </button>
          <button
            type="button"
            className={record?.status === 'pending' && record.decision === 'drop' ? 'on' : undefined}
            onClick={() => props.onDecide('drop')}
          >
            Drop <kbd>D</kbd>
          </button>
        </div>
      ) : null}
    </div>
  );
}
