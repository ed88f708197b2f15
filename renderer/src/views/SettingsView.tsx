import { useCallback, useEffect, useState } from 'react';
import type {
  BandwidthIssue,
  ConnectionTest,
  DestinationDraft,
  DestinationSettings,
  SettingFact,
  SiteSettings,
} from '../../../shared/contract/index.ts';
import { EngineRequestError } from '../contract/client.ts';
import { useConnection, useEngine } from '../state/engine-context.ts';
import { useDestinations } from '../state/use-destinations.ts';
import { ConnectionTestReport } from './SettingsConnectionTest.tsx';
import { CredentialsForm } from './SettingsCredentials.tsx';
import { ScheduleEditor } from './SettingsSchedule.tsx';
import './settings.css';

const errorText = (cause: unknown): string =>
  cause instanceof EngineRequestError ? cause.message : String((cause as Error)?.message ?? cause);

/** Capture folders, destinations (with Test connection), bandwidth schedule, uploads and retention. */
export function SettingsView() {
  const client = useEngine();
  const connection = useConnection();
  const [settings, setSettings] = useState<SiteSettings>();
  const [error, setError] = useState<string>();

  const load = useCallback(async () => {
    try {
      setSettings(await client.request('settings.get', {}));
      setError(undefined);
    } catch (cause) {
      setError(errorText(cause));
    }
  }, [client]);
  useEffect(() => {
    if (connection.kind === 'connected') void load();
  }, [connection, load]);
  useEffect(() => client.on('config.reloaded', () => void load()), [client, load]);
  useEffect(() => client.on('credentials.changed', () => void load()), [client, load]);

  if (error) return <p className="banner bad">Could not load the settings: {error}</p>;
  if (!settings) return <p className="empty">Loading the settings…</p>;
  return (
    <main className="view settings" aria-labelledby="settings-title">
      <header className="view-head">
        <h2 id="settings-title">Settings</h2>
        <span className="muted">
          {settings.configFile ? (
            <>
              from <span className="mono">{settings.configFile}</span>
            </>
          ) : (
            settings.readOnlyReason
          )}
        </span>
      </header>

      <section className="settings-section" aria-labelledby="settings-destinations">
        <h3 id="settings-destinations">Destinations</h3>
        <div className="destination-cards">
          {settings.destinations.map((destination) => (
            <DestinationCard key={destination.name} destination={destination} />
          ))}
        </div>
      </section>

      <section className="settings-section" aria-labelledby="settings-bandwidth">
        <h3 id="settings-bandwidth">Bandwidth</h3>
        <BandwidthPanel settings={settings} onSaved={load} />
      </section>

      <div className="settings-columns">
        <section className="settings-section" aria-labelledby="settings-folders">
          <h3 id="settings-folders">Capture folders</h3>
          {settings.folders.map((folder) => (
            <div key={folder.id} className="settings-card">
              <header>
                <strong>{folder.id}</strong> <span className="mono">{folder.path}</span>
              </header>
              <Facts facts={folder.facts} />
            </div>
          ))}
        </section>
        <section className="settings-section" aria-labelledby="settings-upload">
          <h3 id="settings-upload">Uploads</h3>
          <div className="settings-card">
            <Facts facts={settings.upload} />
          </div>
          <RestartNote file={settings.configFile} />
        </section>
        <section className="settings-section" aria-labelledby="settings-retention">
          <h3 id="settings-retention">Retention and disk guard</h3>
          <div className="settings-card">
            <Facts facts={settings.retention} />
            <h4>Disk guard</h4>
            <Facts facts={settings.diskGuard} />
          </div>
          <RestartNote file={settings.configFile} />
        </section>
      </div>
    </main>
  );
}

function RestartNote({ file }: { file: string | undefined }) {
  return (
    <p className="muted settings-note">
      Shown as the engine runs them. To change them, edit{' '}
      {file ? <span className="mono">{file}</span> : 'the site file'}: they apply at the next engine start.
    </p>
  );
}

function Facts({ facts }: { facts: readonly SettingFact[] }) {
  return (
    <dl className="facts settings-facts">
      {facts.map((fact) => (
        <div
          key={fact.label}
          className="fact"
          title={fact.path ? `${fact.path} in the site file` : undefined}
        >
          <dt>{fact.label}</dt>
          <dd>{fact.value}</dd>
        </div>
      ))}
    </dl>
  );
}

const CREDENTIAL_TONE: Record<string, string> = {
  working: 'ok',
  set: 'neutral',
  'not set': 'attention',
  failing: 'bad',
};

function DestinationCard({ destination }: { destination: DestinationSettings }) {
  const client = useEngine();
  const links = useDestinations();
  const link = links?.find((l) => l.name === destination.name);
  const [testing, setTesting] = useState(false);
  const [report, setReport] = useState<ConnectionTest>();
  const [testError, setTestError] = useState<string>();
  const [drafting, setDrafting] = useState(false);
  const [keying, setKeying] = useState(false);
  const [keysNote, setKeysNote] = useState<string>();

  const run = async (params: { name: string } | { draft: DestinationDraft }) => {
    setTesting(true);
    setTestError(undefined);
    try {
      setReport(await client.request('destinations.test', params));
    } catch (cause) {
      setReport(undefined);
      setTestError(errorText(cause));
    } finally {
      setTesting(false);
    }
  };
  const state = link?.state ?? 'unknown';
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
      <Facts facts={destination.facts} />
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={testing}
          onClick={() => run({ name: destination.name })}
        >
          {testing ? 'Testing…' : 'Test connection'}
        </button>
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
      </div>
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
      {drafting ? (
        <DraftForm initial={destination.draft} testing={testing} onTest={(draft) => run({ draft })} />
      ) : null}
      {testError ? (
        <p className="bad-text" role="alert">
          Test not run: {testError}
        </p>
      ) : null}
      {report ? <ConnectionTestReport report={report} /> : null}
    </article>
  );
}

/** Changed settings tried without saving anything; a key typed here is used for this test only. */
function DraftForm({
  initial,
  testing,
  onTest,
}: {
  initial: DestinationDraft;
  testing: boolean;
  onTest(draft: DestinationDraft): void;
}) {
  const [draft, setDraft] = useState<DestinationDraft>(initial);
  const field = (key: string, label: string, value: string | undefined, hint?: string) => (
    <label key={key} className="draft-field">
      <span>{label}</span>
      <input
        value={value ?? ''}
        spellCheck={false}
        type={key === 'secretAccessKey' ? 'password' : 'text'}
        autoComplete="off"
        placeholder={hint}
        onChange={(event) => setDraft({ ...draft, [key]: event.target.value } as DestinationDraft)}
      />
    </label>
  );
  return (
    <form
      className="draft-form"
      aria-label="Other settings to test"
      onSubmit={(event) => {
        event.preventDefault();
        onTest(draft);
      }}
    >
      {draft.type === 's3' ? (
        <>
          {field('endpoint', 'Endpoint', draft.endpoint, 'https://s3.example.com (empty: AWS)')}
          {field('bucket', 'Bucket', draft.bucket)}
          {field('region', 'Region', draft.region, 'us-east-1')}
          {field('prefix', 'Prefix', draft.prefix, 'edge/')}
          {field('caBundle', 'CA bundle', draft.caBundle, '/etc/edge/ca.pem')}
          {field('proxy', 'Proxy', draft.proxy, 'http://proxy:3128')}
          <label className="draft-field checkbox">
            <input
              type="checkbox"
              checked={draft.forcePathStyle ?? draft.endpoint !== undefined}
              onChange={(event) => setDraft({ ...draft, forcePathStyle: event.target.checked })}
            />
            <span>Path-style addressing (bucket in the path)</span>
          </label>
          {field('accessKeyId', 'Access key id', draft.accessKeyId, 'empty: the saved credentials')}
          {field(
            'secretAccessKey',
            'Secret access key',
            draft.secretAccessKey,
            'empty: the saved credentials',
          )}
        </>
      ) : (
        field('path', 'Folder', draft.path, '/mnt/share/edge')
      )}
      <p className="muted">Nothing is saved: these settings are only tried. A key typed here is not kept.</p>
      <button type="submit" className="primary" disabled={testing}>
        {testing ? 'Testing…' : 'Test these settings'}
      </button>
    </form>
  );
}

type ApplyState =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'done'; ok: boolean; message: string; issues: BandwidthIssue[] };

function BandwidthPanel({ settings, onSaved }: { settings: SiteSettings; onSaved(): void }) {
  const client = useEngine();
  const [targetIndex, setTargetIndex] = useState(0);
  const target = settings.bandwidth[targetIndex] ?? settings.bandwidth[0];
  const [spec, setSpec] = useState<{ text: string; valid: boolean }>({ text: '', valid: false });
  const [apply, setApply] = useState<ApplyState>({ kind: 'idle' });
  const check = useCallback((text: string) => client.request('bandwidth.check', { spec: text }), [client]);
  const onChange = useCallback((text: string, valid: boolean) => setSpec({ text, valid }), []);
  if (!target) return null;
  const current = target.live ?? target.saved;
  const send = async (save: boolean) => {
    setApply({ kind: 'busy' });
    try {
      const result = await client.request('bandwidth.update', {
        spec: spec.text,
        save,
        ...(target.destination ? { destination: target.destination } : {}),
      });
      setApply({ kind: 'done', ok: result.ok, message: result.message, issues: result.issues });
      if (result.ok) onSaved();
    } catch (cause) {
      setApply({ kind: 'done', ok: false, message: errorText(cause), issues: [] });
    }
  };
  return (
    <div className="settings-card bandwidth-panel">
      <div className="bandwidth-target">
        <label>
          Limit for{' '}
          <select
            aria-label="Limit for"
            value={targetIndex}
            onChange={(event) => {
              setTargetIndex(Number(event.target.value));
              setApply({ kind: 'idle' });
            }}
          >
            {settings.bandwidth.map((b, index) => (
              <option key={b.destination ?? '(site)'} value={index}>
                {b.destination
                  ? `destination “${b.destination}” (on top of the site’s)`
                  : 'the whole site (all destinations together)'}
              </option>
            ))}
          </select>
        </label>
        <span className="muted">
          In the site file: <span className="mono">{target.saved}</span>
          {target.live ? (
            <>
              {' '}
              · running now: <span className="mono">{target.live}</span> (set here, not saved)
            </>
          ) : null}
        </span>
      </div>
      <ScheduleEditor key={`${targetIndex}:${current}`} initial={current} check={check} onChange={onChange} />
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={!spec.valid || apply.kind === 'busy' || !settings.editable}
          title={settings.editable ? undefined : settings.readOnlyReason}
          onClick={() => send(true)}
        >
          Apply now and save
        </button>
        <button
          type="button"
          className="ghost"
          disabled={!spec.valid || apply.kind === 'busy'}
          onClick={() => send(false)}
        >
          Apply until restart
        </button>
        {apply.kind === 'done' ? (
          <span className={apply.ok ? 'ok' : 'bad-text'} role={apply.ok ? 'status' : 'alert'}>
            {apply.message}
            {apply.issues.map((issue) => ` ${issue.message} ${issue.hint}`).join('')}
          </span>
        ) : null}
      </div>
      <p className="muted settings-note">
        Applies at once to the running engine, without a restart, to every byte sent from then on. Saving also
        writes it into the site file, every comment there kept.
      </p>
    </div>
  );
}
