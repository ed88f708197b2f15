import { useCallback, useState } from 'react';
import type { SettingsSaved, SiteSettings } from '../../../../shared/contract/index.ts';
import { ConfirmRemove } from './ConfirmRemove.tsx';
import { editsFor, entryFrom, type FormValues, formFromRaw } from './edits.ts';
import { addFolderEdits, folderPlace, removeFolderEdits } from './entries.ts';
import { Facts } from './Facts.tsx';
import { FOLDER_FIELDS, FOLDER_ID_FIELD } from './fields.ts';
import { SaveOutcome } from './SaveOutcome.tsx';
import { SettingsForm } from './SettingsForm.tsx';
import { EditButton, useSectionEdit } from './section-edit.tsx';
import { SectionOutcome, sectionFormProps } from './section-form.tsx';
import { useRemoveEntry } from './use-remove-entry.ts';
import type { LoadedSettings } from './use-site-settings.ts';

const NEW_FOLDER_FIELDS = [FOLDER_ID_FIELD, ...FOLDER_FIELDS];

/** The capture folders: each one edited or removed, and new ones added, all without a restart. */
export function FoldersSection({ loaded, reload }: { loaded: LoadedSettings; reload(): void }) {
  const { settings, file } = loaded;
  const adding = useSectionEdit();
  const [outcome, setOutcome] = useState<SettingsSaved>();
  const count = Array.isArray(file.folders) ? file.folders.length : 0;
  const toEdits = useCallback((form: FormValues) => addFolderEdits(entryFrom(NEW_FOLDER_FIELDS, form)), []);
  return (
    <section className="settings-section" aria-labelledby="settings-folders">
      <div className="section-head">
        <h3 id="settings-folders">Capture folders</h3>
        <EditButton
          settings={settings}
          label="Add a folder"
          onClick={adding.open}
          buttonRef={adding.button}
          hidden={adding.editing}
        />
      </div>
      {settings.folders.map((folder) => (
        <FolderCard key={folder.id} folder={folder} loaded={loaded} reload={reload} onSaved={setOutcome} />
      ))}
      {adding.editing ? (
        <div className="settings-card">
          <h4>New capture folder</h4>
          <SettingsForm
            label="New capture folder"
            specs={NEW_FOLDER_FIELDS}
            initial={formFromRaw(NEW_FOLDER_FIELDS, {})}
            toEdits={toEdits}
            issueBases={['/folders/-', `/folders/${count}`]}
            saveLabel="Add and start watching"
            {...sectionFormProps(adding, settings, reload)}
          />
        </div>
      ) : null}
      <SectionOutcome edit={adding} />
      {outcome ? <SaveOutcome saved={outcome} onClose={() => setOutcome(undefined)} /> : null}
    </section>
  );
}

function FolderCard({
  folder,
  loaded,
  reload,
  onSaved,
}: {
  folder: SiteSettings['folders'][number];
  loaded: LoadedSettings;
  reload(): void;
  onSaved(saved: SettingsSaved): void;
}) {
  const { settings, file } = loaded;
  const edit = useSectionEdit();
  const removal = useRemoveEntry({
    edits: () => removeFolderEdits(file, folder.id),
    revision: settings.revision,
    onRemoved: onSaved,
  });
  const place = folderPlace(file, folder.id);
  const toEdits = useCallback(
    (form: FormValues) => (place ? editsFor(place.base, FOLDER_FIELDS, place.entry, form) : []),
    [place],
  );
  const single = settings.folders.length <= 1;
  return (
    <article className="settings-card folder-card" aria-label={`Capture folder ${folder.id}`}>
      <header>
        <strong>{folder.id}</strong> <span className="mono">{folder.path}</span>
        <span className="spacer" />
        {!edit.editing && !removal.confirming ? (
          <>
            <EditButton
              settings={settings}
              label="Edit"
              onClick={edit.open}
              buttonRef={edit.button}
              hidden={!place}
            />
            <button
              type="button"
              className="ghost"
              disabled={!settings.editable || single || !place}
              title={single ? 'A site watches at least one folder: add another first.' : undefined}
              onClick={removal.ask}
            >
              Remove
            </button>
          </>
        ) : null}
      </header>
      {removal.confirming ? (
        <ConfirmRemove
          label={`Remove capture folder ${folder.id}?`}
          confirmLabel={`Remove folder ${folder.id}`}
          error={removal.error}
          onConfirm={removal.remove}
          onKeep={removal.keep}
        >
          Stop watching <span className="mono">{folder.path}</span>? Files already queued from it keep
          uploading; new files there are no longer picked up. Nothing in the folder is deleted.
        </ConfirmRemove>
      ) : null}
      {edit.editing && place ? (
        <SettingsForm
          label={`Edit capture folder ${folder.id}`}
          specs={FOLDER_FIELDS}
          initial={formFromRaw(FOLDER_FIELDS, place.entry)}
          toEdits={toEdits}
          issueBases={[place.base]}
          {...sectionFormProps(edit, settings, reload)}
        />
      ) : (
        <Facts facts={folder.facts} />
      )}
      <SectionOutcome edit={edit} />
    </article>
  );
}
