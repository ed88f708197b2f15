import { useCallback } from 'react';
import { editsFor, type FormValues, formFromRaw } from './edits.ts';
import { Facts } from './Facts.tsx';
import { UPLOAD_FIELDS } from './fields.ts';
import { SaveOutcome } from './SaveOutcome.tsx';
import { SettingsForm } from './SettingsForm.tsx';
import { EditButton, useSectionEdit } from './section-edit.tsx';
import type { LoadedSettings } from './use-site-settings.ts';

/** Files at once, parts, multipart, attempts, order, offline checks, timeout, sidecars. */
export function UploadsSection({ loaded, reload }: { loaded: LoadedSettings; reload(): void }) {
  const { settings, file } = loaded;
  const edit = useSectionEdit();
  const raw = file.upload ?? {};
  const toEdits = useCallback((form: FormValues) => editsFor('/upload', UPLOAD_FIELDS, raw, form), [raw]);
  return (
    <section className="settings-section" aria-labelledby="settings-upload">
      <div className="section-head">
        <h3 id="settings-upload">Uploads</h3>
        <EditButton
          settings={settings}
          label="Edit uploads"
          onClick={edit.open}
          buttonRef={edit.button}
          hidden={edit.editing}
        />
      </div>
      <div className="settings-card">
        {edit.editing ? (
          <SettingsForm
            label="Edit uploads"
            specs={UPLOAD_FIELDS}
            initial={formFromRaw(UPLOAD_FIELDS, raw)}
            toEdits={toEdits}
            issueBases={['/upload']}
            revision={settings.revision}
            onDone={edit.done}
            onReload={() => {
              edit.done(undefined);
              reload();
            }}
          />
        ) : (
          <Facts facts={settings.upload} />
        )}
      </div>
      {edit.outcome ? <SaveOutcome saved={edit.outcome} onClose={edit.dismiss} /> : null}
    </section>
  );
}
