import { Facts } from './Facts.tsx';
import { FieldsSection } from './FieldsSection.tsx';
import { UPLOAD_FIELDS } from './fields.ts';
import type { LoadedSettings } from './use-site-settings.ts';

/** Files at once, parts, multipart, attempts, order, offline checks, timeout, sidecars. */
export function UploadsSection({ loaded, reload }: { loaded: LoadedSettings; reload(): void }) {
  const { settings, file } = loaded;
  return (
    <FieldsSection
      loaded={loaded}
      reload={reload}
      id="settings-upload"
      title="Uploads"
      editLabel="Edit uploads"
      formLabel="Edit uploads"
      base="/upload"
      specs={UPLOAD_FIELDS}
      raw={file.upload ?? {}}
    >
      <Facts facts={settings.upload} />
    </FieldsSection>
  );
}
