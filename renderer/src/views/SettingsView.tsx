import { BandwidthPanel } from './settings/BandwidthPanel.tsx';
import { DestinationsSection } from './settings/DestinationsSection.tsx';
import { FoldersSection } from './settings/FoldersSection.tsx';
import { RetentionSection } from './settings/RetentionSection.tsx';
import { UploadsSection } from './settings/UploadsSection.tsx';
import { useSiteSettings } from './settings/use-site-settings.ts';
import './settings.css';
import './settings/settings-forms.css';

/**
 * Capture folders, destinations (with Test connection), bandwidth, uploads, retention and disk guard:
 * each section shown as the engine runs it, and edited in place. A save is checked as
 * `edge-capture validate` would, written into the site file with its comments kept, and applied to
 * the running engine without a restart.
 */
export function SettingsView() {
  const { loaded, error, reload } = useSiteSettings();
  if (error) return <p className="banner bad">Could not load the settings: {error}</p>;
  if (!loaded) return <p className="empty">Loading the settings…</p>;
  const { settings } = loaded;
  const again = () => void reload();
  return (
    <main className="view settings" aria-labelledby="settings-title">
      <header className="view-head">
        <h2 id="settings-title">Settings</h2>
        <span className="muted">
          {settings.configFile ? (
            <>
              from <span className="mono">{settings.configFile}</span>: changes saved here apply at once,
              without a restart, and keep the file's comments
            </>
          ) : null}
        </span>
      </header>
      {settings.editable ? null : (
        <p className="banner info" id="settings-read-only">
          Read only: {settings.readOnlyReason ?? 'these settings cannot be saved.'}
        </p>
      )}

      <DestinationsSection loaded={loaded} reload={again} />

      <section className="settings-section" aria-labelledby="settings-bandwidth">
        <h3 id="settings-bandwidth">Bandwidth</h3>
        <BandwidthPanel settings={settings} onSaved={again} />
      </section>

      <div className="settings-columns">
        <FoldersSection loaded={loaded} reload={again} />
        <UploadsSection loaded={loaded} reload={again} />
        <RetentionSection loaded={loaded} reload={again} />
      </div>
    </main>
  );
}
