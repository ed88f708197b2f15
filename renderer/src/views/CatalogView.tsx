import { useDeferredValue, useEffect, useRef, useState } from 'react';
import type {
  CatalogFilterMessage,
  CatalogItemMessage,
  DatasetMessage,
  EventPayload,
} from '../../../shared/contract/index.ts';
import { formatTime } from '../components/format.ts';
import { useConnection, useEngine } from '../state/engine-context.ts';
import '../review/review.css';
import { FileDetail } from '../components/FileDetail.tsx';
import { useSlashFocus } from '../components/use-slash-focus.ts';
import { CatalogFilters, type Facets } from './catalog/CatalogFilters.tsx';
import { ResultGrid } from './catalog/ResultGrid.tsx';

type ExportProgress = EventPayload<'datasets.export'>;

const PAGE = 60;

/** Everything the engine has seen: searched by words, tags, classes, scores, corrections, place and time. */
export function CatalogView() {
  const client = useEngine();
  const connection = useConnection();
  const [text, setText] = useState('');
  const words = useDeferredValue(text);
  const [filter, setFilter] = useState<CatalogFilterMessage>({});
  const [items, setItems] = useState<CatalogItemMessage[]>([]);
  const [cursor, setCursor] = useState<string>();
  const [facets, setFacets] = useState<Facets>();
  const [error, setError] = useState<string>();
  const [datasets, setDatasets] = useState<DatasetMessage[]>([]);
  const [exports, setExports] = useState<Record<string, ExportProgress>>({});
  /** The file whose story is open beside the results (in place of the data sets). */
  const [openId, setOpenId] = useState<number>();
  const search = useRef<HTMLInputElement>(null);
  useSlashFocus(search);
  const connected = connection.kind === 'connected';
  const full: CatalogFilterMessage = { ...filter, ...(words.trim() ? { text: words.trim() } : {}) };
  const key = JSON.stringify(full);

  // The page first, the facets after it (they can take longer on a very common value).
  useEffect(() => {
    if (!connected) return;
    let live = true;
    const f = JSON.parse(key) as CatalogFilterMessage;
    client
      .request('catalog.search', { filter: f, limit: PAGE })
      .then((page) => {
        if (!live) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setError(undefined);
        return client.request('catalog.facets', { filter: f }).then((answer) => live && setFacets(answer));
      })
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [client, key, connected]);

  useEffect(() => {
    if (!connected) return;
    client
      .request('datasets.list', {})
      .then((answer) => setDatasets(answer.datasets))
      .catch(() => {});
  }, [client, connected]);
  useEffect(
    () =>
      client.on('datasets.export', (progress) => {
        setExports((all) => ({ ...all, [progress.dataset]: progress }));
      }),
    [client],
  );

  const more = async () => {
    if (!cursor) return;
    const page = await client.request('catalog.search', { filter: full, cursor, limit: PAGE });
    setItems((current) => [...current, ...page.items]);
    setCursor(page.nextCursor);
  };
  const set = (patch: Partial<CatalogFilterMessage>) => {
    const next: Record<string, unknown> = { ...filter, ...patch };
    for (const [k, value] of Object.entries(next))
      if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) delete next[k];
    setFilter(next as CatalogFilterMessage);
  };

  return (
    <main
      className="view catalog"
      aria-labelledby="catalog-title"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && openId !== undefined) setOpenId(undefined);
      }}
    >
      <header className="view-head">
        <h2 id="catalog-title">Catalog</h2>
        <input
          ref={search}
          type="search"
          className="search"
          placeholder="Search paths, classes, tags, types… (/)"
          aria-label="Search the catalog"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <span className="muted" role="status">
          {facets ? `${facets.total.toLocaleString('en-GB')}${facets.exact ? '' : '+'} files` : ''}
        </span>
      </header>
      {error ? <p className="banner bad">{error}</p> : null}
      <div className={openId !== undefined ? 'catalog-grid with-story' : 'catalog-grid'}>
        <CatalogFilters filter={filter} facets={facets} set={set} />
        <section className="results" aria-label="Results">
          <ResultGrid items={items} openId={openId} onOpen={setOpenId} />
          {items.length === 0 && connected ? <p className="empty">Nothing matches.</p> : null}
          {cursor ? (
            <button type="button" className="ghost more" onClick={() => void more()}>
              Show more
            </button>
          ) : null}
        </section>
        {openId !== undefined ? (
          <aside className="datasets file-story" aria-label="The file">
            <button type="button" className="ghost" onClick={() => setOpenId(undefined)}>
              ← Data sets
            </button>
            <FileDetail key={openId} id={openId} />
          </aside>
        ) : (
          <aside className="datasets" aria-label="Data sets">
            <SaveDataset
              filter={full}
              onSaved={(d) => setDatasets((all) => [d, ...all.filter((x) => x.id !== d.id)])}
            />
            <h3>Data sets</h3>
            {datasets.length === 0 ? <p className="muted">None saved yet.</p> : null}
            <ul className="dataset-list">
              {datasets.map((d) => (
                <DatasetRow key={d.id} dataset={d} progress={exports[d.name]} />
              ))}
            </ul>
          </aside>
        )}
      </div>
    </main>
  );
}

function SaveDataset(props: { filter: CatalogFilterMessage; onSaved(d: DatasetMessage): void }) {
  const client = useEngine();
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string>();
  return (
    <form
      className="save-dataset"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          const { dataset } = await client.request('datasets.save', { name, filter: props.filter });
          props.onSaved(dataset);
          setName('');
          setProblem(undefined);
        } catch (error) {
          setProblem((error as Error).message);
        }
      }}
    >
      <label>
        Save this search as a data set
        <input
          value={name}
          placeholder="name, e.g. forklifts-2026-03"
          pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,79}"
          title="Letters, digits, dot, dash, underscore"
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <button type="submit" className="primary" disabled={!name}>
        Save data set
      </button>
      {problem ? <p className="bad-text">{problem}</p> : null}
    </form>
  );
}

function DatasetRow({
  dataset,
  progress,
}: {
  dataset: DatasetMessage;
  progress: ExportProgress | undefined;
}) {
  const client = useEngine();
  const [uploadMissing, setUploadMissing] = useState(false);
  const [problem, setProblem] = useState<string>();
  const running = progress && progress.phase !== 'done' && progress.phase !== 'failed';
  return (
    <li className="dataset" data-name={dataset.name}>
      <strong>{dataset.name}</strong>{' '}
      <span className="muted">
        {dataset.members.toLocaleString('en-GB')} files · {formatTime(dataset.createdAt)}
      </span>
      <div className="dataset-actions">
        <label className="check">
          <input
            type="checkbox"
            checked={uploadMissing}
            onChange={(e) => setUploadMissing(e.target.checked)}
          />
          also upload files the store lacks
        </label>
        <button
          type="button"
          disabled={running}
          onClick={async () => {
            try {
              await client.request('datasets.export', { id: dataset.id, uploadMissing });
              setProblem(undefined);
            } catch (error) {
              setProblem((error as Error).message);
            }
          }}
        >
          Export to the core
        </button>
      </div>
      {progress ? (
        <div className="export-progress" data-phase={progress.phase}>
          {progress.phase === 'failed' ? (
            <span className="bad-text">Export failed: {progress.error}</span>
          ) : progress.phase === 'done' ? (
            <span className="ok">
              Exported: {progress.outcome?.manifest.key}
              {progress.outcome?.coco ? ` and ${progress.outcome.coco.key}` : ''}
            </span>
          ) : (
            <>
              <progress max={progress.total || 1} value={progress.done} />
              <span className="muted">
                {progress.phase} {progress.done}/{progress.total}
              </span>
            </>
          )}
        </div>
      ) : null}
      {problem ? <p className="bad-text">{problem}</p> : null}
    </li>
  );
}
