import { useCallback, useEffect, useState } from 'react';
import { useConnection } from '../state/engine-context.ts';
import { QUEUE_TABS, type QueueTab } from '../state/tabs.ts';
import { useCounts } from '../state/use-counts.ts';
import { useQueueTab } from '../state/use-queue-tab.ts';
import { ConnectionBanner } from './ConnectionBanner.tsx';
import { FileDetail } from './FileDetail.tsx';
import { QueueList } from './QueueList.tsx';
import { QueueTabs } from './QueueTabs.tsx';
import { type Theme, ThemeToggle, useTheme } from './theme.ts';

/** The operator's main view: live queue tabs, the files in the chosen tab, and the selected file's story. */
export function App() {
  const connection = useConnection();
  const counts = useCounts();
  const [tab, setTab] = useState<QueueTab>(QUEUE_TABS[0] as QueueTab);
  const [selectedId, setSelectedId] = useState<number>();
  const view = useQueueTab(tab);
  const [theme, setTheme] = useTheme();

  const selectTab = useCallback((next: QueueTab) => {
    setTab(next);
    setSelectedId(undefined);
  }, []);
  useEffect(() => {
    if (selectedId === undefined && view.list.items[0]) setSelectedId(view.list.items[0].id);
  }, [selectedId, view.list.items]);

  const engineVersion = connection.kind === 'connected' ? connection.welcome.engineVersion : undefined;
  return (
    <div className="app">
      <header className="topbar">
        <h1>Edge Capture</h1>
        <span className={`link-dot ${connection.kind}`} aria-hidden="true" />
        <span className="muted">{engineVersion ? `engine ${engineVersion}` : connection.kind}</span>
        <span className="spacer" />
        <ThemeToggle theme={theme} onChange={(next: Theme) => setTheme(next)} />
      </header>
      <ConnectionBanner />
      <QueueTabs selected={tab} counts={counts} onSelect={selectTab} />
      <main id="queue-panel" role="tabpanel" aria-labelledby={`tab-${tab.id}`} className="split">
        <section className="list-pane">
          {view.error ? <p className="banner bad">Could not load the list: {view.error}</p> : null}
          {view.loading && view.list.items.length === 0 ? <p className="empty">Loading…</p> : null}
          <QueueList
            list={view.list}
            selectedId={selectedId}
            emptyText={tab.empty}
            onSelect={setSelectedId}
            onNeedMore={view.loadMore}
          />
        </section>
        <section className="detail-pane">
          {selectedId !== undefined ? (
            <FileDetail key={selectedId} id={selectedId} />
          ) : (
            <p className="empty">Select a file to see why it is where it is.</p>
          )}
        </section>
      </main>
    </div>
  );
}
