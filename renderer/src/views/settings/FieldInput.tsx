import { useId } from 'react';
import type { ConfigIssueMessage } from '../../../../shared/contract/index.ts';
import type { FieldSpec, FormValue } from './edits.ts';

/**
 * One setting: its label bound to the input, the unit beside it, the default as the placeholder,
 * and the host's problems with it underneath (announced, and tied to the input for screen readers).
 */
export function FieldInput({
  spec,
  value,
  issues,
  onChange,
  disabled,
}: {
  spec: FieldSpec;
  value: FormValue | undefined;
  issues: readonly ConfigIssueMessage[];
  onChange(value: FormValue): void;
  disabled?: boolean;
}) {
  const id = useId();
  const noteId = `${id}-note`;
  const bad = issues.length > 0;
  const described = bad || spec.hint ? noteId : undefined;
  const note = (
    <>
      {spec.hint && !bad ? <span className="field-hint">{spec.hint}</span> : null}
      {issues.map((issue) => (
        <span key={issue.message} className="field-issue" role="alert">
          {issue.message} <span className="fix">{issue.hint}</span>
        </span>
      ))}
    </>
  );
  if (spec.kind === 'flag') {
    return (
      <div className={`settings-field flag${bad ? ' has-issue' : ''}`} data-field={spec.key}>
        <label htmlFor={id}>
          <input
            id={id}
            type="checkbox"
            checked={value === true}
            disabled={disabled}
            aria-invalid={bad || undefined}
            aria-describedby={described}
            onChange={(event) => onChange(event.target.checked)}
          />
          <span>{spec.label}</span>
        </label>
        <span id={noteId}>{note}</span>
      </div>
    );
  }
  const text = typeof value === 'string' ? value : '';
  return (
    <div className={`settings-field${bad ? ' has-issue' : ''}`} data-field={spec.key}>
      <label htmlFor={id}>{spec.label}</label>
      <span className="field-input">
        {spec.choices ? (
          <select
            id={id}
            value={text}
            disabled={disabled}
            aria-invalid={bad || undefined}
            aria-describedby={described}
            onChange={(event) => onChange(event.target.value)}
          >
            {spec.choices.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        ) : (
          <input
            id={id}
            value={text}
            disabled={disabled}
            spellCheck={false}
            autoComplete="off"
            inputMode={spec.kind === 'count' ? 'numeric' : undefined}
            placeholder={spec.placeholder}
            aria-invalid={bad || undefined}
            aria-describedby={described}
            className={spec.kind === 'text' ? undefined : 'short'}
            onChange={(event) => onChange(event.target.value)}
          />
        )}
        {spec.unit ? <span className="field-unit">{spec.unit}</span> : null}
      </span>
      <span id={noteId} className="field-note">
        {note}
      </span>
    </div>
  );
}
