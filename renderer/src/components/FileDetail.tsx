import { useEffect, useState } from 'react';
import type { FileDetail as Detail, QueueChangeMessage } from '../../../shared/contract/index.ts';
import { useEngine } from '../state/engine-context.ts';
import type { ProgressItem } from '../state/use-uploads.ts';
import { FileActions } from './FileActions.tsx';
import { formatBytes, formatTime, stateLabel } from './format.ts';

interface Loaded {
  file: Detail | null;
  history: QueueChangeMessage[];
}

/** Everything about one file: where it is, what inspection found, which rule decided and why, its history. */
export function FileDetail({ id, progress }: { id: number; progress?: readonly ProgressItem[] | undefined }) {
  const client = useEngine();
  const [loaded, setLoaded] = useState<Loaded>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let current = true;
    const load = () =>
      client.request('queue.item', { id }).then(
        (reply) => current && setLoaded(reply),
        (cause: Error) => current && setError(cause.message),
      );
    void load();
    const off = client.on('queue.changed', (payload) => {
      if (payload.changes.some((change) => change.fileId === id)) void load();
    });
    return () => {
      current = false;
      off();
    };
  }, [client, id]);

  if (error) return <p className="detail error">Could not load this file: {error}</p>;
  if (!loaded) return <p className="detail">Loading…</p>;
  const { file, history } = loaded;
  if (!file) return <p className="detail">This file is no longer in the queue.</p>;
  const tags = Object.entries(file.tags);
  return (
    <article className="detail" aria-label={`Details of ${file.relPath}`}>
      <header>
        <h2 title={file.absPath}>{file.relPath}</h2>
        <span className={`badge state-${file.state}`}>{stateLabel(file.state)}</span>
      </header>
      {file.reason ? <p className="why">{file.reason}</p> : null}
      <FileActions file={file} />
      {file.lastError ? <p className="last-error">Last error: {file.lastError}</p> : null}
      {progress?.length ? (
        <ul className="upload-progress" aria-label="Upload progress">
          {progress.map((item) => (
            <li key={item.destination}>
              Uploading to <strong>{item.destination}</strong>: {formatBytes(item.sentBytes)} of{' '}
              {formatBytes(item.totalBytes)} (
              {Math.floor((item.sentBytes / Math.max(1, item.totalBytes)) * 100)} %)
              <span className="progress">
                <span style={{ width: `${(item.sentBytes / Math.max(1, item.totalBytes)) * 100}%` }} />
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      <dl className="facts">
        <dt>Path</dt>
        <dd className="mono">{file.absPath}</dd>
        <dt>Folder</dt>
        <dd>{file.folderId}</dd>
        <dt>Size</dt>
        <dd>{formatBytes(file.size)}</dd>
        <dt>Type</dt>
        <dd>{file.contentType ?? 'not inspected yet'}</dd>
        <dt>Attempts</dt>
        <dd>{file.attempts}</dd>
        {file.objectKey ? (
          <>
            <dt>Object key</dt>
            <dd className="mono">{file.objectKey}</dd>
          </>
        ) : null}
        {file.sha256 ? (
          <>
            <dt>SHA-256</dt>
            <dd className="mono small">{file.sha256}</dd>
          </>
        ) : null}
      </dl>
      {tags.length > 0 ? (
        <section>
          <h3>Tags</h3>
          <ul className="tags">
            {tags.map(([tag, count]) => (
              <li key={tag} className={tag.startsWith('pii:') ? 'tag pii' : 'tag'}>
                {tag}
                {count > 1 ? ` ×${count}` : ''}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {file.predictions?.items.length ? (
        <section>
          <h3>
            Predictions{file.predictions.modelVersion ? ` (model ${file.predictions.modelVersion})` : ''}
          </h3>
          <ul className="predictions">
            {file.predictions.items.map((item, index) => (
              // Predictions have no id of their own; their order is stable.
              // biome-ignore lint/suspicious/noArrayIndexKey: see above
              <li key={index}>
                {item.label} <span className="score">{item.score.toFixed(2)}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {file.decision ? (
        <section>
          <h3>Decision: {file.decision.action}</h3>
          <ol className="trace">
            {file.decision.trace.map((step) => (
              <li key={step.rule} className={step.matched ? 'matched' : ''}>
                <strong>{step.rule}</strong> {step.matched ? 'matched' : 'did not match'}: {step.because}
              </li>
            ))}
          </ol>
        </section>
      ) : null}
      {file.warnings.length > 0 ? (
        <section>
          <h3>Warnings</h3>
          <ul>
            {file.warnings.map((warning) => (
              <li key={warning}>{warning}</li>
            ))}
          </ul>
        </section>
      ) : null}
      <section>
        <h3>History</h3>
        <ol className="history">
          {history.map((change) => (
            <li key={change.seq}>
              <time>{formatTime(change.at)}</time> {change.to ? stateLabel(change.to) : change.kind}
              {change.detail ? ` — ${change.detail}` : ''}
            </li>
          ))}
        </ol>
      </section>
    </article>
  );
}
