import { useState } from 'react';
import type { RequestResult } from '../../../shared/contract/index.ts';
import { useEngine } from '../state/engine-context.ts';
import { useSite } from '../state/use-site.ts';

type Result = RequestResult<'rules.dryRun'>;

/** Decides files as the engine would (running or edited rules), queuing nothing. */
export function DryRunPanel({ draft }: { draft: string | undefined }) {
  const client = useEngine();
  const site = useSite();
  const [folderId, setFolderId] = useState('');
  const [paths, setPaths] = useState('');
  const [useDraft, setUseDraft] = useState(true);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<Result & { withDraft: boolean }>();
  const [error, setError] = useState<string>();

  const run = async () => {
    setRunning(true);
    setError(undefined);
    const withDraft = useDraft && draft !== undefined;
    try {
      const reply = await client.request('rules.dryRun', {
        folderId: folderId || undefined,
        paths: paths
          .split('\n')
          .map((p) => p.trim())
          .filter(Boolean),
        text: withDraft ? draft : undefined,
      });
      setResult({ ...reply, withDraft });
    } catch (cause) {
      setError((cause as Error).message);
    } finally {
      setRunning(false);
    }
  };

  const summary = result
    ? Object.entries(
        result.rows.reduce<Record<string, number>>((counts, row) => {
          counts[row.action] = (counts[row.action] ?? 0) + 1;
          return counts;
        }, {}),
      )
    : [];
  return (
    <section className="dry-run" aria-labelledby="dry-run-title">
      <h3 id="dry-run-title">Dry run</h3>
      <p className="muted">See what the rules would do with files on disk. Nothing is queued or uploaded.</p>
      <div className="dry-run-form">
        <label>
          Folder{' '}
          <select
            aria-label="Folder to try"
            value={folderId}
            onChange={(event) => setFolderId(event.target.value)}
          >
            <option value="">All capture folders</option>
            {site?.folders.map((folder) => (
              <option key={folder.id} value={folder.id}>
                {folder.id} ({folder.path})
              </option>
            ))}
          </select>
        </label>
        <label className="paths">
          Or these files or subfolders (one per line, inside a capture folder)
          <textarea
            className="code small-area"
            value={paths}
            spellCheck={false}
            placeholder="e.g. cam-north/2024-06-01/frame_0001.jpg"
            onChange={(event) => setPaths(event.target.value)}
          />
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={useDraft && draft !== undefined}
            disabled={draft === undefined}
            onChange={(event) => setUseDraft(event.target.checked)}
          />
          Use the edited rules (not saved yet)
        </label>
        <button type="button" onClick={run} disabled={running}>
          {running ? 'Deciding…' : 'Run dry run'}
        </button>
      </div>
      {error ? <p className="bad-text">Dry run failed: {error}</p> : null}
      {result ? (
        <div className="dry-run-result" data-testid="dry-run-result">
          <p>
            {result.rows.length === 0 && result.issues.length === 0
              ? 'No files to decide.'
              : `${result.rows.length} file(s) with the ${result.withDraft ? 'edited' : 'running'} rules: ${summary.map(([action, n]) => `${n} ${action}`).join(', ')}.`}{' '}
            {result.truncated ? 'Only the first files are shown. ' : ''}Nothing was queued.
          </p>
          {result.issues.map((issue) => (
            <p key={`${issue.path}-${issue.message}`} className="bad-text">
              {issue.message} Fix: {issue.hint}
            </p>
          ))}
          {result.notes.map((note) => (
            <p key={note} className="muted">
              {note}
            </p>
          ))}
          {result.rows.length > 0 ? (
            <table className="dry-run-table">
              <thead>
                <tr>
                  <th>File</th>
                  <th>Decision</th>
                  <th>Rule</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                {result.rows.map((row) => (
                  <tr key={`${row.folderId}/${row.relPath}`}>
                    <td className="mono">
                      {row.folderId}/{row.relPath}
                    </td>
                    <td>
                      <span className={`action action-${row.action}`}>{row.action}</span>
                    </td>
                    <td>{row.rule ?? ''}</td>
                    <td>{row.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
