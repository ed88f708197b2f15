import type { SettingsSaved } from '../../../../shared/contract/index.ts';

/** What a save did, in the host's words: the sentence, each change, and any warning. */
export function SaveOutcome({ saved, onClose }: { saved: SettingsSaved; onClose(): void }) {
  return (
    <div className={`save-outcome ${saved.applied ? 'applied' : 'saved-only'}`} role="status">
      <p className="save-outcome-message">
        <strong>{saved.message}</strong>{' '}
        <button type="button" className="linkish" onClick={onClose}>
          Dismiss
        </button>
      </p>
      {saved.changes.length > 0 ? (
        <ul aria-label="Changes saved">
          {saved.changes.map((change) => (
            <li key={`${change.section}:${change.words}`}>{change.words}</li>
          ))}
        </ul>
      ) : null}
      {saved.warnings.map((warning) => (
        <p key={warning} className="warning">
          {warning}
        </p>
      ))}
    </div>
  );
}
