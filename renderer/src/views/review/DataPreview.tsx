import { useEffect, useState } from 'react';
import { type TextPreviewAnswer, textPath } from '../../../../shared/contract/media.ts';
import type { ReviewDetail } from '../../review/editor.ts';

/** Other data (CSV, JSON, text, time series): a readable preview beside the predicted labels. */
export function DataPreview({ fileId, detail }: { fileId: number; detail: ReviewDetail }) {
  return (
    <div className="data-preview">
      <p>
        <strong>{detail.contentType ?? 'unknown type'}</strong> · {detail.size.toLocaleString('en-GB')} bytes
      </p>
      {detail.reason ? <p className="muted">{detail.reason}</p> : null}
      <div className="data-preview-body">
        <TextContent fileId={fileId} />
        <table className="predicted-labels">
          <thead>
            <tr>
              <th>Predicted label</th>
              <th>Score</th>
            </tr>
          </thead>
          <tbody>
            {detail.predictions.map((p, at) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: predictions are ordered
              <tr key={at}>
                <td>{p.label}</td>
                <td>{p.score.toFixed(2)}</td>
              </tr>
            ))}
            {detail.predictions.length === 0 ? (
              <tr>
                <td colSpan={2}>The model saw nothing here.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </div>
  );
}

type TextState =
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'shown'; answer: TextPreviewAnswer };

/**
 * The capture's first 64 KiB from the engine (GET /media/text/:id): a table for CSV, otherwise a
 * `<pre>`. Always rendered as text (React escapes it); markup in a capture is never interpreted.
 */
function TextContent({ fileId }: { fileId: number }) {
  const [state, setState] = useState<TextState>({ kind: 'loading' });
  useEffect(() => {
    const abort = new AbortController();
    setState({ kind: 'loading' });
    void (async () => {
      try {
        const response = await fetch(textPath(fileId), { signal: abort.signal, cache: 'no-store' });
        if (!response.ok) {
          const reason = (await response.text()).trim();
          setState({ kind: 'failed', message: reason || `The engine answered ${response.status}.` });
          return;
        }
        setState({ kind: 'shown', answer: (await response.json()) as TextPreviewAnswer });
      } catch (error) {
        if (!abort.signal.aborted) setState({ kind: 'failed', message: (error as Error).message });
      }
    })();
    return () => abort.abort();
  }, [fileId]);
  if (state.kind === 'loading') return <p className="text-preview muted">Loading the content…</p>;
  if (state.kind === 'failed') {
    return <p className="text-preview muted">The content cannot be shown: {state.message}</p>;
  }
  const { answer } = state;
  const note = answer.truncated ? (
    <p className="muted truncated-note">Only the first 64 KiB are shown.</p>
  ) : null;
  if (answer.rows && answer.rows.length > 0) {
    const [head, ...body] = answer.rows;
    return (
      <div className="text-preview">
        <div className="text-scroll">
          <table className="csv-table">
            <thead>
              <tr>
                {head!.map((cell, at) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: columns are ordered
                  <th key={at}>{cell}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {body.map((row, r) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are ordered and fixed
                <tr key={r}>
                  {row.map((cell, at) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: cells are ordered
                    <td key={at}>{cell}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {note}
        {answer.rows.length >= 200 ? <p className="muted truncated-note">The first 200 rows.</p> : null}
      </div>
    );
  }
  return (
    <div className="text-preview">
      <pre className="text-scroll">{answer.text}</pre>
      {note}
    </div>
  );
}
