import { useCallback } from 'react';
import { editsFor, type FormValues, formFromRaw } from './edits.ts';
import { Facts } from './Facts.tsx';
import { RETENTION_FIELDS } from './fields.ts';
import { SaveOutcome } from './SaveOutcome.tsx';
import { SettingsForm } from './SettingsForm.tsx';
import { EditButton, useSectionEdit } from './section-edit.tsx';
import type { LoadedSettings } from './use-site-settings.ts';

/** What happens to local copies after upload, and the disk guard that keeps the capture disk from filling. */
export function RetentionSection({ loaded, reload }: { loaded: LoadedSettings; reload(): void }) {
  const { settings, file } = loaded;
  const edit = useSectionEdit();
  const raw = file.retention ?? {};
  const toEdits = useCallback(
    (form: FormValues) => editsFor('/retention', RETENTION_FIELDS, raw, form),
    [raw],
  );
  return (
    <section className="settings-section" aria-labelledby="settings-retention">
      <div className="section-head">
        <h3 id="settings-retention">Retention and disk guard</h3>
        <EditButton
          settings={settings}
          label="Edit retention"
          onClick={edit.open}
          buttonRef={edit.button}
          hidden={edit.editing}
        />
      </div>
      <div className="settings-card">
        {edit.editing ? (
          <SettingsForm
            label="Edit retention and disk guard"
            specs={RETENTION_FIELDS}
            initial={formFromRaw(RETENTION_FIELDS, raw)}
            toEdits={toEdits}
            issueBases={['/retention']}
            revision={settings.revision}
            onDone={edit.done}
            onReload={() => {
              edit.done(undefined);
              reload();
            }}
          />
        ) : (
          <>
            <Facts facts={settings.retention} />
            <h4>Disk guard</h4>
            <Facts facts={settings.diskGuard} />
          </>
        )}
      </div>
      {edit.outcome ? <SaveOutcome saved={edit.outcome} onClose={edit.dismiss} /> : null}
    </section>
  );
}
