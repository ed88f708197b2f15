import { useState } from 'react';
import type { FileDetail, RequestName } from '../../../shared/contract/index.ts';
import { desktopApi } from '../contract/electron-transport.ts';
import { useEngine } from '../state/engine-context.ts';

type Action = 'files.retry' | 'files.bumpPriority' | 'files.requeue' | 'files.release';

const RETRYABLE = new Set(['failed', 'conflict', 'quarantined']);
const WAITING = new Set(['queued', 'failed']);

/**
 * What an operator can do with one file, offered only where it makes sense: retry a failed upload,
 * move a waiting file up or down the upload order, upload a skipped file anyway, release a
 * quarantined one after review (asked twice). And where the file is: "Open containing folder" in the
 * desktop app (the main process checks the path and opens the file manager), "Copy path" in a browser.
 */
export function FileActions({ file }: { file: FileDetail }) {
  const client = useEngine();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string>();
  const [confirmRelease, setConfirmRelease] = useState(false);
  const hasKey = Boolean(file.objectKey ?? file.decision);

  const act = async (method: Action, extra: { by?: number } = {}) => {
    setBusy(true);
    setMessage(undefined);
    try {
      const params =
        method === 'files.bumpPriority' ? { ids: [file.id], by: extra.by ?? 10 } : { ids: [file.id] };
      const reply = await client.request(method as RequestName & Action, params as never);
      const refused = 'refused' in reply ? (reply.refused as { why: string }[]) : [];
      if (reply.changed === 0)
        setMessage(refused[0]?.why ?? 'Nothing changed: the file is no longer where it was.');
      else setMessage(DONE[method]);
    } catch (cause) {
      setMessage((cause as Error).message);
    } finally {
      setBusy(false);
      setConfirmRelease(false);
    }
  };

  const reveal = desktopApi()?.revealFile;
  const openFolder = async () => {
    if (!reveal) return;
    setBusy(true);
    setMessage(undefined);
    try {
      const outcome = await reveal(file.id);
      setMessage(outcome.ok ? `Shown in the file manager: ${outcome.path}` : outcome.message);
    } finally {
      setBusy(false);
    }
  };
  const copyPath = async () => {
    try {
      // Only on https or localhost; elsewhere the path stays readable in the details below.
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(file.absPath);
      setMessage(`Path copied: ${file.absPath}`);
    } catch {
      setMessage(`This browser did not allow copying here; the path is ${file.absPath}`);
    }
  };

  const buttons = [];
  if (RETRYABLE.has(file.state) && file.objectKey) {
    buttons.push(
      <button key="retry" type="button" disabled={busy} onClick={() => act('files.retry')}>
        Retry upload
      </button>,
    );
  }
  if (WAITING.has(file.state) && hasKey) {
    buttons.push(
      <button key="up" type="button" disabled={busy} onClick={() => act('files.bumpPriority', { by: 10 })}>
        Upload sooner
      </button>,
      <button
        key="down"
        type="button"
        className="ghost"
        disabled={busy}
        onClick={() => act('files.bumpPriority', { by: -10 })}
      >
        Upload later
      </button>,
    );
  }
  if (file.state === 'skipped') {
    buttons.push(
      <button key="requeue" type="button" disabled={busy} onClick={() => act('files.requeue')}>
        Upload anyway
      </button>,
    );
  }
  if (file.state === 'quarantined') {
    buttons.push(
      confirmRelease ? (
        <span key="release" className="confirm">
          Release this file for upload? It was set aside for a reason.{' '}
          <button type="button" className="danger" disabled={busy} onClick={() => act('files.release')}>
            Yes, release it
          </button>{' '}
          <button type="button" className="ghost" onClick={() => setConfirmRelease(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <button key="release" type="button" disabled={busy} onClick={() => setConfirmRelease(true)}>
          Release from quarantine…
        </button>
      ),
    );
  }
  if (file.state === 'held') {
    // Held files are a reviewer's call (upload or drop, recorded with who decided): the Review view.
    buttons.push(
      <a key="review" className="button-link" href={`#/review?file=${file.id}`}>
        Decide it in Review
      </a>,
    );
  }
  buttons.push(
    reveal ? (
      <button key="reveal" type="button" className="ghost" disabled={busy} onClick={openFolder}>
        Open containing folder
      </button>
    ) : (
      <button key="copy" type="button" className="ghost" onClick={copyPath}>
        Copy path
      </button>
    ),
  );
  return (
    <fieldset className="file-actions">
      <legend className="sr-only">Actions for this file</legend>
      {buttons}
      {message ? (
        <p className="action-message" role="status">
          {message}
        </p>
      ) : null}
    </fieldset>
  );
}

const DONE: Record<Action, string> = {
  'files.retry': 'Sent back to the upload queue.',
  'files.bumpPriority': 'Upload order changed.',
  'files.requeue': 'Queued for upload under the site key template.',
  'files.release': 'Released: queued for upload.',
};
