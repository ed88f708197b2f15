import { useState } from 'react';
import type { SettingsSaved } from '../../../../shared/contract/index.ts';
import { DestinationCard, TestDraftButton, useConnectionTest } from './DestinationCard.tsx';
import { type FieldSpec, type FormValues, formFromRaw } from './edits.ts';
import { addDestinationEdits, destinationEntry, type SiteFile } from './entries.ts';
import {
  DESTINATION_NAME_FIELD,
  DESTINATION_TYPE_FIELD,
  destinationFields,
  FILESYSTEM_FIELDS,
  LOCAL_FIELDS,
  S3_FIELDS,
} from './fields.ts';
import { SaveOutcome } from './SaveOutcome.tsx';
import { SettingsForm } from './SettingsForm.tsx';
import { EditButton, useSectionEdit } from './section-edit.tsx';
import { SectionOutcome, sectionFormProps } from './section-form.tsx';
import type { LoadedSettings } from './use-site-settings.ts';

/** A new destination's fields: its name and type, then that type's settings. */
export const newDestinationFields = (type: string): readonly FieldSpec[] => [
  DESTINATION_NAME_FIELD,
  DESTINATION_TYPE_FIELD,
  ...destinationFields(type),
];

/** The edits adding the destination the form describes. */
export const newDestinationEdits = (file: SiteFile, form: FormValues) =>
  addDestinationEdits(file, destinationEntry(newDestinationFields(String(form.type)), form));

/** Where a new destination's problems are reported: appended to the list, or the list made from `destination:`. */
function newDestinationBases(file: SiteFile): string[] {
  if (Array.isArray(file.destinations))
    return ['/destinations/-', `/destinations/${file.destinations.length}`];
  return file.destination ? ['/destinations/1'] : ['/destinations/0'];
}

export function DestinationsSection({ loaded, reload }: { loaded: LoadedSettings; reload(): void }) {
  const { settings, file } = loaded;
  const adding = useSectionEdit();
  const test = useConnectionTest();
  const [type, setType] = useState('s3');
  const [removed, setRemoved] = useState<SettingsSaved>();
  return (
    <section className="settings-section" aria-labelledby="settings-destinations">
      <div className="section-head">
        <h3 id="settings-destinations">Destinations</h3>
        <EditButton
          settings={settings}
          label="Add a destination"
          onClick={() => {
            setType('s3');
            adding.open();
          }}
          buttonRef={adding.button}
          hidden={adding.editing}
        />
      </div>
      {removed ? <SaveOutcome saved={removed} onClose={() => setRemoved(undefined)} /> : null}
      <SectionOutcome edit={adding} />
      {adding.editing ? (
        <div className="settings-card new-destination">
          <h4>New destination</h4>
          <SettingsForm
            label="New destination"
            specs={newDestinationFields(type)}
            initial={{
              ...formFromRaw([...S3_FIELDS, ...FILESYSTEM_FIELDS, ...LOCAL_FIELDS], {}),
              ...formFromRaw([DESTINATION_NAME_FIELD], {}),
              type: 's3',
            }}
            toEdits={(form) => newDestinationEdits(file, form)}
            issueBases={newDestinationBases(file)}
            saveLabel="Add destination"
            onChange={(form) => setType(String(form.type))}
            {...sectionFormProps(adding, settings, reload)}
            after={(form) => (
              <TestDraftButton
                name={String(form.name ?? '')}
                type={type}
                form={form}
                testing={test.testing}
                onTest={(draft) => void test.run({ draft })}
              />
            )}
          />
          {test.view}
        </div>
      ) : null}
      <div className="destination-cards">
        {settings.destinations.map((destination) => (
          <DestinationCard
            key={destination.name}
            destination={destination}
            loaded={loaded}
            reload={reload}
            onRemoved={setRemoved}
          />
        ))}
      </div>
      <p className="muted settings-note">
        Each destination's bandwidth limit is set below, under Bandwidth. Keys are never shown or saved in the
        site file from here: use Set credentials….
      </p>
    </section>
  );
}
