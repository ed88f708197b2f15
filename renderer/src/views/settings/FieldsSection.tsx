import { type ReactNode, useCallback } from 'react';
import { editsFor, type FieldSpec, type FormValues, formFromRaw } from './edits.ts';
import { SettingsForm } from './SettingsForm.tsx';
import { EditButton, useSectionEdit } from './section-edit.tsx';
import { SectionOutcome, sectionFormProps } from './section-form.tsx';
import type { LoadedSettings } from './use-site-settings.ts';

/**
 * A section of plain fields under one key of the site file (`upload`, `retention`): what they are now
 * (`children`), and Edit, which swaps them for a form of those fields.
 */
export function FieldsSection({
  loaded,
  reload,
  id,
  title,
  editLabel,
  formLabel,
  base,
  specs,
  raw,
  children,
}: {
  loaded: LoadedSettings;
  reload(): void;
  /** The heading's id, which labels the section. */
  id: string;
  title: string;
  editLabel: string;
  formLabel: string;
  /** The pointer of the key the fields live under: `/upload`. */
  base: string;
  specs: readonly FieldSpec[];
  /** The key's value in the site file as written. */
  raw: unknown;
  children: ReactNode;
}) {
  const { settings } = loaded;
  const edit = useSectionEdit();
  const toEdits = useCallback((form: FormValues) => editsFor(base, specs, raw, form), [base, specs, raw]);
  return (
    <section className="settings-section" aria-labelledby={id}>
      <div className="section-head">
        <h3 id={id}>{title}</h3>
        <EditButton
          settings={settings}
          label={editLabel}
          onClick={edit.open}
          buttonRef={edit.button}
          hidden={edit.editing}
        />
      </div>
      <div className="settings-card">
        {edit.editing ? (
          <SettingsForm
            label={formLabel}
            specs={specs}
            initial={formFromRaw(specs, raw)}
            toEdits={toEdits}
            issueBases={[base]}
            {...sectionFormProps(edit, settings, reload)}
          />
        ) : (
          children
        )}
      </div>
      <SectionOutcome edit={edit} />
    </section>
  );
}
