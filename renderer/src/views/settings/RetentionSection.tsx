import { Facts } from './Facts.tsx';
import { FieldsSection } from './FieldsSection.tsx';
import { RETENTION_FIELDS } from './fields.ts';
import type { LoadedSettings } from './use-site-settings.ts';

/** What happens to local copies after upload, and the disk guard that keeps the capture disk from filling. */
export function RetentionSection({ loaded, reload }: { loaded: LoadedSettings; reload(): void }) {
  const { settings, file } = loaded;
  return (
    <FieldsSection
      loaded={loaded}
      reload={reload}
      id="settings-retention"
      title="Retention and disk guard"
      editLabel="Edit retention"
      formLabel="Edit retention and disk guard"
      base="/retention"
      specs={RETENTION_FIELDS}
      raw={file.retention ?? {}}
    >
      <Facts facts={settings.retention} />
      <h4>Disk guard</h4>
      <Facts facts={settings.diskGuard} />
    </FieldsSection>
  );
}
