import { useDeferredValue, useState } from 'react';
import { ACTIVITY_KINDS, type ActivityKind } from '../../../shared/contract/index.ts';
import { FileDetail } from '../components/FileDetail.tsx';
import { formatTime } from '../components/format.ts';
import { describeActivity } from '../state/activity-words.ts';
import { useActivity } from '../state/use-activity.ts';

const KIND_LABELS: Record<ActivityKind, string> = {
  files: 'Files',
  problems: 'Problems',
  engine: 'Engine',
};

/** What happened and why, newest first: searchable, filterable by kind, live. */
export function ActivityView() {
  const [text, setText] = useState('');
  const [kinds, setKinds] = useState<readonly ActivityKind[]>(ACTIVITY_KINDS);
  const search = useDeferredValue(text);
  /** The file whose story is open beside the log (an entry about a file was clicked). */
  const [openId, setOpenId] = useState<number>();
  const view = useActivity({ text: search, kinds });
  const toggle = (kind: ActivityKind) =>
    setKinds((current) =>
      current.includes(kind)
        ? current.filter((k) => k !== kind)
        : ACTIVITY_KINDS.filter((k) => k === kind || current.includes(k)),
    );
  return (
    <main
      className="view activity"
      aria-labelledby="activity-title"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && openId !== undefined) setOpenId(undefined);
      }}
    >
      <header className="view-head">
        <h2 id="activity-title">Activity</h2>
        <input
          type="search"
          className="search"
          placeholder="Search files, reasons, problems…"
          aria-label="Search the activity"
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
        <fieldset className="kinds">
          <legend className="sr-only">Show</legend>
          {ACTIVITY_KINDS.map((kind) => (
            <label key={kind} className={`chip${kinds.includes(kind) ? ' on' : ''}`}>
              <input type="checkbox" checked={kinds.includes(kind)} onChange={() => toggle(kind)} />
              {KIND_LABELS[kind]}
            </label>
          ))}
        </fieldset>
      </header>
      {view.error ? <p className="banner bad">Could not load the activity: {view.error}</p> : null}
      {kinds.length === 0 ? <p className="empty">Choose at least one kind to show.</p> : null}
      {kinds.length > 0 && view.items.length === 0 && !view.loading ? (
        <p className="empty">{search ? `Nothing matches “${search}”.` : 'Nothing has happened yet.'}</p>
      ) : null}
      <div className={openId !== undefined ? 'activity-body with-story' : 'activity-body'}>
        <ol
          className="activity-list"
          aria-label="Activity, newest first"
          aria-live="polite"
          aria-relevant="additions"
        >
          {kinds.length > 0
            ? view.items.map((item) => {
                const line = describeActivity(item);
                return (
                  <li key={item.seq} className={`activity-item tone-${line.tone}`} data-kind={item.category}>
                    <time className="at">{formatTime(item.at)}</time>
                    <span className={`kind-tag kind-${item.category}`}>{KIND_LABELS[item.category]}</span>
                    <span className="what">
                      {item.fileId !== null ? (
                        <button
                          type="button"
                          className="title link-button"
                          aria-current={item.fileId === openId ? 'true' : undefined}
                          onClick={() => setOpenId(item.fileId ?? undefined)}
                        >
                          {line.title}
                        </button>
                      ) : (
                        <span className="title">{line.title}</span>
                      )}
                      {line.detail ? <span className="detail-text">{line.detail}</span> : null}
                    </span>
                  </li>
                );
              })
            : null}
        </ol>
        {openId !== undefined ? (
          <aside className="file-story activity-story" aria-label="The file">
            <button type="button" className="ghost" onClick={() => setOpenId(undefined)}>
              Close
            </button>
            <FileDetail key={openId} id={openId} />
          </aside>
        ) : null}
      </div>
      {kinds.length > 0 && !view.complete && view.items.length > 0 ? (
        <button type="button" className="ghost more" onClick={view.loadOlder} disabled={view.loading}>
          {view.loading ? 'Loading…' : 'Show older'}
        </button>
      ) : null}
    </main>
  );
}
