import { type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import type {
  ConfigIssueMessage,
  SettingChange,
  SettingEdit,
  SettingsSaved,
} from '../../../../shared/contract/index.ts';
import { useEngine } from '../../state/engine-context.ts';
import { type FieldSpec, type FormValues, isStaleRefusal, issuesByField } from './edits.ts';
import { FieldInput } from './FieldInput.tsx';
import './settings-forms.css';
import { errorText } from './error-text.ts';
import { saveSettings } from './revisions.ts';

/** Checks run this long after the last key press. */
export const CHECK_DELAY_MS = 350;

export interface FormProps {
  /** The form's name for assistive technology: "Edit uploads". */
  label: string;
  specs: readonly FieldSpec[];
  /** The values the form starts from (taken once, when it opens). */
  initial: FormValues;
  /** The form as edits to the site file (only what changed). */
  toEdits(form: FormValues): SettingEdit[];
  /** The pointers the fields live under, for putting each issue under its field. */
  issueBases: readonly string[];
  /** settings.get's revision when the form opened: a save over a newer file is refused. */
  revision: string | undefined;
  saveLabel?: string;
  /** Fields above the generic ones (a new destination's name and type) or buttons beside Save. */
  before?: (form: FormValues, set: (key: string, value: string | boolean) => void) => ReactNode;
  after?: (form: FormValues) => ReactNode;
  /** Called with the host's answer after a save, or undefined when cancelled. */
  onDone(saved: SettingsSaved | undefined): void;
  /** The site file changed on disk: reload the settings (this form's edits are dropped). */
  onReload(): void;
  /** Keys whose values change what else the form shows (a destination's type). */
  onChange?(form: FormValues): void;
}

type Phase =
  | { kind: 'editing' }
  | { kind: 'saving' }
  | { kind: 'refused'; message: string }
  | { kind: 'stale'; message: string }
  | { kind: 'error'; message: string };

/**
 * One section's edit form: fields with their unit and default, checked by the host as you type
 * (settings.check, debounced), each problem under the field it names, Save (Enter) and Cancel (Escape).
 */
export function SettingsForm(props: FormProps) {
  const client = useEngine();
  const [form, setForm] = useState<FormValues>(props.initial);
  const [issues, setIssues] = useState<ConfigIssueMessage[]>([]);
  const [preview, setPreview] = useState<SettingChange[]>([]);
  const [checkError, setCheckError] = useState<string>();
  const [phase, setPhase] = useState<Phase>({ kind: 'editing' });
  // The file as it was when the form opened: edits are worked out against it and saved with its
  // revision, so a change made on disk meanwhile is refused rather than silently undone.
  const revision = useRef(props.revision).current;
  const [toEdits] = useState(() => props.toEdits);
  const edits = useMemo(() => toEdits(form), [toEdits, form]);
  const editsKey = JSON.stringify(edits);

  useEffect(() => {
    const pending: SettingEdit[] = JSON.parse(editsKey);
    if (pending.length === 0) {
      setIssues([]);
      setPreview([]);
      setCheckError(undefined);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      client.request('settings.check', { edits: pending }).then(
        (checked) => {
          if (!current) return;
          setIssues(checked.issues);
          setPreview(checked.changes);
          setCheckError(undefined);
        },
        (cause) => current && setCheckError(errorText(cause)),
      );
    }, CHECK_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, editsKey]);

  const set = (key: string, value: string | boolean) => {
    const next = { ...form, [key]: value };
    setForm(next);
    props.onChange?.(next);
    if (phase.kind === 'refused' || phase.kind === 'error') setPhase({ kind: 'editing' });
  };

  const save = async () => {
    if (phase.kind === 'saving') return;
    if (edits.length === 0) {
      props.onDone(undefined);
      return;
    }
    setPhase({ kind: 'saving' });
    try {
      const saved = await saveSettings(client, edits, revision);
      if (saved.ok) {
        // Saved, or nothing to save (the file already says this): the host's sentence either way.
        props.onDone(saved);
        return;
      }
      setIssues(saved.issues);
      setPhase(
        isStaleRefusal(saved)
          ? { kind: 'stale', message: saved.message }
          : { kind: 'refused', message: saved.message },
      );
    } catch (cause) {
      setPhase({ kind: 'error', message: errorText(cause) });
    }
  };

  const { byField, other } = issuesByField(issues, props.issueBases, props.specs);
  const blocked = issues.length > 0;
  return (
    <form
      className="settings-form"
      aria-label={props.label}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          props.onDone(undefined);
        }
      }}
    >
      {props.before?.(form, set)}
      <div className="settings-form-grid">
        {props.specs.map((spec) => (
          <FieldInput
            key={spec.key}
            spec={spec}
            value={form[spec.key]}
            issues={byField.get(spec.key) ?? []}
            onChange={(value) => set(spec.key, value)}
          />
        ))}
      </div>
      {other.length > 0 ? (
        <ul className="form-issues" role="alert" aria-label="Problems elsewhere in the site file">
          {other.map((issue) => (
            <li key={`${issue.path}:${issue.message}`}>
              <span className="mono">{issue.path || 'site file'}</span>: {issue.message}{' '}
              <span className="fix">{issue.hint}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {preview.length > 0 && !blocked ? (
        <div className="form-preview" role="status" aria-label="What saving changes">
          <span className="muted">Saving changes: </span>
          {preview.map((change) => change.words).join('; ')}
        </div>
      ) : null}
      {checkError ? <p className="muted">Could not check these values yet: {checkError}</p> : null}
      {phase.kind === 'stale' ? (
        <div className="banner attention form-stale" role="alert">
          The site file changed on disk since this form was opened, so nothing was saved.{' '}
          <button type="button" className="ghost" onClick={props.onReload}>
            Reload the settings
          </button>{' '}
          <span className="muted">(your edits here are dropped; enter them again)</span>
        </div>
      ) : null}
      {phase.kind === 'refused' || phase.kind === 'error' ? (
        <p className="bad-text" role="alert">
          {phase.kind === 'error' ? `Not saved: ${phase.message}` : phase.message}
        </p>
      ) : null}
      <div className="actions">
        <button
          type="submit"
          className="primary"
          disabled={phase.kind === 'saving' || phase.kind === 'stale' || blocked}
        >
          {phase.kind === 'saving' ? 'Saving…' : (props.saveLabel ?? 'Save')}
        </button>
        <button type="button" className="ghost" onClick={() => props.onDone(undefined)}>
          Cancel
        </button>
        {props.after?.(form)}
        <span className="muted form-keys">
          {edits.length === 0
            ? 'Nothing changed yet.'
            : `${edits.length} change${edits.length === 1 ? '' : 's'} · Enter saves, Escape cancels`}
        </span>
      </div>
    </form>
  );
}
