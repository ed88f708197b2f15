import { formatTime } from '../../components/format.ts';
import { describeObjects, type ReviewDetail, sameObjects } from '../../review/editor.ts';
import type { HeldRecord } from '../../review/held-outbox.ts';
import { classColour } from '../../review/ImageStage.tsx';
import type { CorrectedObject, OutboxRecord } from '../../review/outbox.ts';
import { HeldBox } from './HeldBox.tsx';

function statusWords(record: OutboxRecord): string {
  if (record.status === 'pending') return 'not synced yet';
  if (record.status === 'refused') return `refused: ${record.why ?? ''}`;
  if (record.status === 'synced') return 'synced';
  return 'draft';
}

/**
 * Beside the picture: the objects, the class keys, the decisions (accept, reject, undo; upload or
 * drop when held), this reviewer's correction and what other reviewers said.
 */
export function SidePanel(props: {
  detail: ReviewDetail;
  /** The list or the item says reviewers disagree. */
  conflict: boolean;
  reviewer: string;
  objects: CorrectedObject[];
  classes: readonly string[];
  currentClass: string | undefined;
  selected: number | undefined;
  mine: OutboxRecord | undefined;
  held: HeldRecord | undefined;
  connected: boolean;
  refused: readonly OutboxRecord[];
  scoreOf(object: CorrectedObject): number | undefined;
  onSelect(index: number): void;
  onDelete(index: number): void;
  onClass(label: string): void;
  onAccept(): void;
  onReject(): void;
  onUndo(): void;
  onHeld(decision: 'upload' | 'drop'): void;
  onTake(objects: CorrectedObject[]): void;
}) {
  const { detail, objects, mine } = props;
  const others = detail.current.filter((c) => c.reviewer !== props.reviewer);
  const conflict = props.conflict;
  return (
    <>
      <h3>Objects</h3>
      <ol className="objects">
        {objects.map((object, at) => (
          <li
            // biome-ignore lint/suspicious/noArrayIndexKey: objects have no identity but their place
            key={at}
            className={at === props.selected ? 'selected' : undefined}
          >
            <button type="button" className="ghost swatch-button" onClick={() => props.onSelect(at)}>
              <span className="swatch" style={{ background: classColour(object.label, props.classes) }} />
              {object.label}
              {props.scoreOf(object) !== undefined ? (
                <span className="muted"> {props.scoreOf(object)?.toFixed(2)}</span>
              ) : null}
              {object.from === undefined ? <span className="muted"> added</span> : null}
              {object.from !== undefined && detail.predictions[object.from]?.label !== object.label ? (
                <span className="muted"> was {detail.predictions[object.from]?.label}</span>
              ) : null}
            </button>
            <button
              type="button"
              className="ghost"
              aria-label={`Delete ${object.label}`}
              onClick={() => props.onDelete(at)}
            >
              ×
            </button>
          </li>
        ))}
        {objects.length === 0 ? <li className="muted">No objects.</li> : null}
      </ol>
      <fieldset className="class-keys">
        <legend className="sr-only">Classes</legend>
        {props.classes.map((label, at) => (
          <button
            key={label}
            type="button"
            className={`chip${label === props.currentClass ? ' on' : ''}`}
            onClick={() => props.onClass(label)}
          >
            <kbd>{at + 1}</kbd> {label}
          </button>
        ))}
      </fieldset>
      <div className="decide">
        <button type="button" className="primary" onClick={props.onAccept}>
          Accept <kbd>Enter</kbd>
        </button>
        <button type="button" onClick={props.onReject}>
          Reject <kbd>R</kbd>
        </button>
        <button type="button" onClick={props.onUndo}>
          Undo <kbd>Z</kbd>
        </button>
      </div>
      {detail.held || props.held ? (
        <HeldBox
          held={detail.held}
          reason={detail.reason}
          record={props.held}
          connected={props.connected}
          onDecide={props.onHeld}
        />
      ) : null}
      {mine ? (
        <p className="mine" data-status={mine.status}>
          Your correction ({describeObjects(detail, mine.correction.objects)}): {statusWords(mine)}
        </p>
      ) : null}
      {sameObjects(objects, mine?.correction.objects ?? []) || !mine ? null : (
        <p className="muted">Edited since: Enter sends a correction that replaces it.</p>
      )}
      {conflict || others.length > 0 ? (
        <div className={`others${conflict ? ' conflict' : ''}`}>
          <h3>{conflict ? 'Reviewers disagree' : 'Other reviewers'}</h3>
          {detail.current.map((c) => (
            <div key={c.id} className="other">
              <strong>{c.reviewer}</strong> <span className="muted">{formatTime(c.createdAt)}</span>
              <div>{c.objects.map((o) => o.label).join(', ') || 'nothing there'}</div>
              {c.reviewer !== props.reviewer ? (
                <button type="button" className="ghost small" onClick={() => props.onTake(c.objects)}>
                  Take {c.reviewer}’s version
                </button>
              ) : null}
            </div>
          ))}
        </div>
      ) : null}
      {props.refused.length > 0 ? (
        <div className="refused">
          <h3>Refused by the engine</h3>
          {props.refused.slice(0, 5).map((r) => (
            <p key={r.id}>
              Item {r.fileId}: {r.why}
            </p>
          ))}
        </div>
      ) : null}
    </>
  );
}
