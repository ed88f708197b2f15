import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConfigIssueMessage, RulesConfig, RuleView } from '../../../shared/contract/index.ts';
import { EngineRequestError } from '../contract/client.ts';
import { useConnection, useEngine } from '../state/engine-context.ts';
import { issueLines, issuePlace, lineStart } from '../state/rules-editor.ts';
import { DryRunPanel } from './DryRunPanel.tsx';

const CHECK_DELAY_MS = 400;

type SaveState =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved'; at: number; warnings: string[] }
  | { kind: 'refused' }
  | { kind: 'error'; message: string };

/** The active rules in words, an editor that validates as you type, a dry run, and save = live. */
export function RulesView() {
  const client = useEngine();
  const connection = useConnection();
  const [config, setConfig] = useState<RulesConfig>();
  const [loadError, setLoadError] = useState<string>();
  const [draft, setDraft] = useState('');
  const [issues, setIssues] = useState<ConfigIssueMessage[]>([]);
  const [checking, setChecking] = useState(false);
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });
  const editor = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);

  const load = useCallback(
    async (keepDraft: boolean) => {
      try {
        const loaded = await client.request('config.get', {});
        setConfig(loaded);
        setLoadError(undefined);
        if (!keepDraft) {
          setDraft(loaded.rulesText);
          setIssues([]);
        }
      } catch (cause) {
        setLoadError((cause as Error).message);
      }
    },
    [client],
  );
  useEffect(() => {
    if (connection.kind === 'connected') void load(false);
  }, [connection, load]);
  // Someone else saved: show their rules; an unsaved draft here stays (its save will be refused).
  useEffect(() => client.on('config.reloaded', () => void load(true)), [client, load]);

  const dirty = config !== undefined && draft !== config.rulesText;

  // Validation in place: the same checks as `edge-capture validate`, shortly after typing stops.
  useEffect(() => {
    if (!config || !dirty) {
      setIssues([]);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      setChecking(true);
      client
        .request('rules.check', { text: draft })
        .then(
          (checked) => current && setIssues(checked.issues),
          () => undefined,
        )
        .finally(() => current && setChecking(false));
    }, CHECK_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, config, draft, dirty]);

  const onSave = async () => {
    if (!config) return;
    setSave({ kind: 'saving' });
    try {
      const saved = await client.request('rules.update', { text: draft, revision: config.revision });
      if (!saved.ok) {
        setIssues(saved.issues);
        setSave({ kind: 'refused' });
        return;
      }
      setSave({ kind: 'saved', at: Date.now(), warnings: saved.warnings });
      await load(false);
    } catch (cause) {
      setSave({
        kind: 'error',
        message: cause instanceof EngineRequestError ? cause.message : String(cause),
      });
    }
  };

  const goTo = (line: number | undefined) => {
    const area = editor.current;
    if (!area || !line) return;
    const start = lineStart(draft, line);
    const end = draft.indexOf('\n', start);
    area.focus();
    area.setSelectionRange(start, end < 0 ? draft.length : end);
    area.scrollTop = Math.max(0, (line - 3) * lineHeight(area));
  };

  if (loadError) return <p className="banner bad">Could not load the rules: {loadError}</p>;
  if (!config) return <p className="empty">Loading the rules…</p>;
  const bad = issueLines(issues);
  const lineCount = draft.split('\n').length;
  return (
    <main className="view rules" aria-labelledby="rules-title">
      <section className="rules-list" aria-labelledby="rules-title">
        <header className="view-head">
          <h2 id="rules-title">Rules</h2>
          <span className="muted">tried top to bottom; the first that matches decides</span>
        </header>
        {!config.fileMatchesEngine ? (
          <p className="banner info">
            The site file has different rules from the ones running (it was edited by hand). The engine uses
            the rules below until it restarts or you save here.
          </p>
        ) : null}
        <ol className="rule-cards">
          {config.rules.map((rule) => (
            <RuleCard key={`${rule.index}-${rule.name}`} rule={rule} />
          ))}
          <li className="rule-card default">
            <header>
              <strong>Otherwise</strong>
              <span className={`action action-${config.defaultAction.action}`}>
                {config.defaultAction.action}
              </span>
            </header>
            <p className="rule-reason">{config.defaultAction.reason}</p>
          </li>
        </ol>
      </section>
      <section className="rules-edit" aria-label="Edit the rules">
        <header className="view-head">
          <h2>Edit</h2>
          {config.editable ? (
            <span className="muted">YAML, as in the site file; comments are kept</span>
          ) : (
            <span className="muted">{config.readOnlyReason}</span>
          )}
        </header>
        <div className={`editor${issues.length > 0 ? ' has-issues' : ''}`}>
          <div className="gutter" ref={gutter} aria-hidden="true">
            {Array.from({ length: lineCount }, (_, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: line numbers are the identity
              <div key={index} className={bad.has(index + 1) ? 'bad' : undefined}>
                {index + 1}
              </div>
            ))}
          </div>
          <textarea
            ref={editor}
            className="code"
            aria-label="Rules (YAML)"
            aria-invalid={issues.length > 0}
            aria-describedby="rule-issues"
            spellCheck={false}
            value={draft}
            onChange={(event) => {
              setDraft(event.target.value);
              if (save.kind !== 'saving') setSave({ kind: 'idle' });
            }}
            onScroll={(event) => {
              if (gutter.current) gutter.current.scrollTop = event.currentTarget.scrollTop;
            }}
          />
        </div>
        <div id="rule-issues" className="issues" role="status" aria-live="polite">
          {issues.length > 0 ? (
            <ul>
              {issues.map((issue, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: issues have no id; order is stable per check
                <li key={index} className="issue">
                  <button type="button" className="linkish" onClick={() => goTo(issue.line)}>
                    {issuePlace(issue)}
                  </button>
                  : {issue.message} <span className="fix">Fix: {issue.hint}</span>
                </li>
              ))}
            </ul>
          ) : dirty ? (
            <p className={checking ? 'muted' : 'ok'}>{checking ? 'Checking…' : 'These rules are valid.'}</p>
          ) : null}
        </div>
        <div className="actions">
          <button
            type="button"
            className="primary"
            disabled={!config.editable || !dirty || issues.length > 0 || checking || save.kind === 'saving'}
            onClick={onSave}
          >
            {save.kind === 'saving' ? 'Saving…' : 'Save and apply'}
          </button>
          <button
            type="button"
            className="ghost"
            disabled={!dirty}
            onClick={() => {
              setDraft(config.rulesText);
              setSave({ kind: 'idle' });
            }}
          >
            Undo changes
          </button>
          <SaveStatus state={save} />
        </div>
        <DryRunPanel draft={dirty && issues.length === 0 ? draft : undefined} />
      </section>
    </main>
  );
}

function SaveStatus({ state }: { state: SaveState }) {
  if (state.kind === 'saved') {
    return (
      <span className="ok" role="status">
        Saved to the site file. New files are decided by these rules now.
        {state.warnings.map((warning) => (
          <span key={warning} className="warning">
            {' '}
            {warning}
          </span>
        ))}
      </span>
    );
  }
  if (state.kind === 'refused') {
    return (
      <span className="bad-text" role="alert">
        Not saved: fix the problems listed above. The site file and the engine are unchanged.
      </span>
    );
  }
  if (state.kind === 'error') {
    return (
      <span className="bad-text" role="alert">
        Not saved: {state.message}
      </span>
    );
  }
  return null;
}

function RuleCard({ rule }: { rule: RuleView }) {
  return (
    <li className="rule-card">
      <header>
        <span className="rule-index">{rule.index + 1}</span>
        <strong className="rule-name">{rule.name}</strong>
        <span className={`action action-${rule.action}`}>{rule.action}</span>
        {rule.priority !== 0 ? <span className="muted">priority {rule.priority}</span> : null}
      </header>
      {rule.description ? <p className="muted">{rule.description}</p> : null}
      <p className="rule-when">
        {rule.conditions.length > 0 ? (
          <>
            <span className="muted">When </span>
            {rule.conditions.join(' and ')}
          </>
        ) : (
          <span className="muted">Every file</span>
        )}
      </p>
      {rule.reason ? <p className="rule-reason">“{rule.reason}”</p> : null}
      {rule.to || rule.rate || rule.key ? (
        <dl className="rule-extra">
          {rule.to ? (
            <>
              <dt>To</dt>
              <dd>{rule.to.join(', ')}</dd>
            </>
          ) : null}
          {rule.rate ? (
            <>
              <dt>Rate</dt>
              <dd>{rule.rate}</dd>
            </>
          ) : null}
          {rule.key ? (
            <>
              <dt>Key</dt>
              <dd className="mono">{rule.key}</dd>
            </>
          ) : null}
        </dl>
      ) : null}
    </li>
  );
}

function lineHeight(area: HTMLTextAreaElement): number {
  return Number.parseFloat(getComputedStyle(area).lineHeight) || 20;
}
