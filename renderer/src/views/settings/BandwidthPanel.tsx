import { useCallback, useState } from 'react';
import type { BandwidthIssue, SiteSettings } from '../../../../shared/contract/index.ts';
import { useEngine } from '../../state/engine-context.ts';
import { ScheduleEditor } from '../SettingsSchedule.tsx';
import { errorText } from './error-text.ts';

type ApplyState =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'done'; ok: boolean; message: string; issues: BandwidthIssue[] };

/** The site's bandwidth limit, or one destination's: a weekly timetable applied at once. */
export function BandwidthPanel({ settings, onSaved }: { settings: SiteSettings; onSaved(): void }) {
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
