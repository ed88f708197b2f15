import { useState } from 'react';
import type {
  ConnectionTest,
  DestinationDraft,
  DestinationSettings,
  SettingsSaved,
} from '../../../../shared/contract/index.ts';
import { useEngine } from '../../state/engine-context.ts';
import { useDestinations } from '../../state/use-destinations.ts';
import { ConnectionTestReport } from '../SettingsConnectionTest.tsx';
import { CredentialsForm } from '../SettingsCredentials.tsx';
import { ConfirmRemove } from './ConfirmRemove.tsx';
import { DraftForm } from './DraftForm.tsx';
import { type FormValues, formFromRaw } from './edits.ts';
import { destinationEdits, destinationPlace, draftFrom, removeDestinationEdits } from './entries.ts';
import { errorText } from './error-text.ts';
import { Facts } from './Facts.tsx';
import { destinationFields } from './fields.ts';
import { SettingsForm } from './SettingsForm.tsx';
import { EditButton, useSectionEdit } from './section-edit.tsx';
import { SectionOutcome, sectionFormProps } from './section-form.tsx';
import { useRemoveEntry } from './use-remove-entry.ts';
import type { LoadedSettings } from './use-site-settings.ts';

const CREDENTIAL_TONE: Record<string, string> = {
  working: 'ok',
  set: 'neutral',
  'not set': 'attention',
  failing: 'bad',
};

/** Runs Test connection on a saved destination or a draft; the last report and error. */
export function useConnectionTest() {
  const client = useEngine();
  const [testing, setTesting] = useState(false);
  const [report, setReport] = useState<ConnectionTest>();
  const [error, setError] = useState<string>();
  const run = async (params: { name: string } | { draft: DestinationDraft }) => {
    setTesting(true);
    setError(undefined);
    try {
      setReport(await client.request('destinations.test', params));
    } catch (cause) {
      setReport(undefined);
      setError(errorText(cause));
    } finally {
      setTesting(false);
    }
  };
  const view = (
    <>
      {error ? (
        <p className="bad-text" role="alert">
          Test not run: {error}
        </p>
      ) : null}
      {report ? <ConnectionTestReport report={report} /> : null}
    </>
  );
  return { testing, run, view };
}

/** "Test connection with these values": the edited settings tried before anything is saved. */
export function TestDraftButton({
  name,
  type,
  form,
  testing,
  onTest,
}: {
  name: string;
  type: string;
  form: FormValues;
  testing: boolean;
  onTest(draft: DestinationDraft): void;
}) {
  const draft = draftFrom(name || 'new', type, form);
  return (
    <button
      type="button"
      className="ghost"
      disabled={testing || !draft}
      title={draft ? undefined : type === 's3' ? 'Fill in the bucket first.' : 'Fill in the folder first.'}
      onClick={() => draft && onTest(draft)}
    >
      {testing ? 'Testing…' : 'Test connection with these values'}
    </button>
  );
}

export function DestinationCard({
  destination,
  loaded,
  reload,
  onRemoved,
}: {
  destination: DestinationSettings;
  loaded: LoadedSettings;
  reload(): void;
  onRemoved(saved: SettingsSaved): void;
}) {
  const links = useDestinations();
  const link = links?.find((l) => l.name === destination.name);
  const test = useConnectionTest();
  const edit = useSectionEdit();
  const [drafting, setDrafting] = useState(false);
  const [keying, setKeying] = useState(false);
  const [keysNote, setKeysNote] = useState<string>();
  const { settings, file } = loaded;
  const removal = useRemoveEntry({
    edits: () => removeDestinationEdits(file, destination.name),
    revision: settings.revision,
    onRemoved,
  });
  const place = destinationPlace(file, destination.name);
  const specs = destinationFields(destination.type);
  const state = link?.state ?? 'unknown';
  const lastOne = settings.destinations.length <= 1;

  return (
    <article className="settings-card destination-card" aria-label={`Destination ${destination.name}`}>
      <header>
        <span className={`destination-chip state-${state}`}>
          <span className="dot" aria-hidden="true" />
          <strong>{destination.name}</strong>
          <span className="chip-state">{state}</span>
        </span>
        {destination.isDefault ? <span className="small-label pill">default</span> : null}
        {destination.isLocalDemo ? (
          <span className="small-label pill attention">data stays on this machine</span>
        ) : null}
      </header>
      <p className="mono destination-where">{destination.label}</p>
      {destination.credentials ? (
        <p className="credentials">
          Credentials:{' '}
          <span className={`pill tone-${CREDENTIAL_TONE[destination.credentials.state] ?? 'neutral'}`}>
            {destination.credentials.state}
          </span>{' '}
          <span className="muted">{destination.credentials.words}</span>
        </p>
      ) : null}
      {edit.editing && place ? (
        <SettingsForm
          label={`Edit destination ${destination.name}`}
          specs={specs}
          initial={formFromRaw(specs, place.entry)}
          toEdits={(form) => destinationEdits(place.base, specs, place.entry, form)}
          issueBases={[place.base]}
          {...sectionFormProps(edit, settings, reload)}
          after={(form) => (
            <TestDraftButton
              name={destination.name}
              type={destination.type}
              form={form}
              testing={test.testing}
              onTest={(draft) => void test.run({ draft })}
            />
          )}
        />
      ) : (
        <>
          <Facts facts={destination.facts} />
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={test.testing}
              onClick={() => void test.run({ name: destination.name })}
            >
              {test.testing ? 'Testing…' : 'Test connection'}
            </button>
            <EditButton
              settings={settings}
              label="Edit"
              onClick={() => {
                edit.open();
                setDrafting(false);
              }}
              buttonRef={edit.button}
              hidden={!place}
            />
            <button
              type="button"
              className="ghost"
              aria-expanded={drafting}
              onClick={() => setDrafting(!drafting)}
            >
              {drafting ? 'Close other settings' : 'Try other settings…'}
            </button>
            {destination.type === 's3' ? (
              <button
                type="button"
                className="ghost"
                aria-expanded={keying}
                onClick={() => {
                  setKeying(!keying);
                  setKeysNote(undefined);
                }}
              >
                {keying ? 'Close credentials' : 'Set credentials…'}
              </button>
            ) : null}
            {place ? (
              <button
                type="button"
                className="ghost"
                disabled={!settings.editable || lastOne}
                title={lastOne ? 'The only destination: add another before removing this one.' : undefined}
                onClick={removal.ask}
              >
                Remove
              </button>
            ) : null}
          </div>
        </>
      )}
      {removal.confirming ? (
        <ConfirmRemove
          label={`Remove destination ${destination.name}?`}
          confirmLabel={`Remove destination ${destination.name}`}
          error={removal.error}
          onConfirm={removal.remove}
          onKeep={removal.keep}
        >
          Stop sending files to <strong>{destination.name}</strong>? Files already there stay there. Rules
          that name it in “to:” must be changed first (the Rules view).
        </ConfirmRemove>
      ) : null}
      {keying ? (
        <CredentialsForm
          destination={destination}
          onDone={(message) => {
            setKeying(false);
            setKeysNote(message);
          }}
        />
      ) : null}
      {keysNote ? (
        <p className="muted" role="status">
          {keysNote}
        </p>
      ) : null}
      {drafting && !edit.editing ? (
        <DraftForm
          initial={destination.draft}
          testing={test.testing}
          onTest={(draft) => void test.run({ draft })}
        />
      ) : null}
      {test.view}
      <SectionOutcome edit={edit} />
    </article>
  );
}
