import { useCallback, useEffect, useState } from 'react';
import { DestinationStrip } from '../components/DestinationBanners.tsx';
import { FileDetail } from '../components/FileDetail.tsx';
import { FindFileInput, FoundFiles, useFoundFiles } from '../components/FindFile.tsx';
import { QueueList } from '../components/QueueList.tsx';
import { QueueTabs } from '../components/QueueTabs.tsx';
import { ThroughputChart } from '../components/ThroughputChart.tsx';
import { QUEUE_TABS, type QueueTab } from '../state/tabs.ts';
import { useCounts } from '../state/use-counts.ts';
import { useQueueTab } from '../state/use-queue-tab.ts';
import { useUploadProgress } from '../state/use-uploads.ts';

/** Live queue tabs, the files in the chosen tab, the selected file's story, and the upload rate. */
export function QueuesView({ theme, chart = true }: { theme: string; chart?: boolean }) {
  const counts = useCounts();
  const [tab, setTab] = useState<QueueTab>(QUEUE_TABS[0] as QueueTab);
  const [selectedId, setSelectedId] = useState<number>();
  const view = useQueueTab(tab);
  const progress = useUploadProgress();

  const [find, setFind] = useState('');
  const found = useFoundFiles(find);
  const finding = find.trim() !== '';

  const selectTab = useCallback((next: QueueTab) => {
    setTab(next);
    setFind('');
    setSelectedId(undefined);
  }, []);
  useEffect(() => {
    if (finding) return;
    if (selectedId === undefined && view.list.items[0]) setSelectedId(view.list.items[0].id);
  }, [finding, selectedId, view.list.items]);

  return (
    <>
      <DestinationStrip />
      {chart ? <ThroughputChart theme={theme} /> : null}
      <div className="tabs-row">
        <QueueTabs selected={tab} counts={counts} onSelect={selectTab} />
        <FindFileInput text={find} onText={setFind} />
      </div>
      <div id="queue-panel" role="tabpanel" aria-labelledby={`tab-${tab.id}`} className="split">
        <section className="list-pane">
          {finding ? (
            <FoundFiles found={found} selectedId={selectedId} onSelect={setSelectedId} />
          ) : (
            <>
              {view.error ? <p className="banner bad">Could not load the list: {view.error}</p> : null}
              {view.loading && view.list.items.length === 0 ? <p className="empty">Loading…</p> : null}
              <QueueList
                list={view.list}
                selectedId={selectedId}
                emptyText={tab.empty}
                onSelect={setSelectedId}
                onNeedMore={view.loadMore}
                progress={progress}
              />
            </>
          )}
        </section>
        <section className="detail-pane">
          {selectedId !== undefined ? (
            <FileDetail key={selectedId} id={selectedId} progress={progress.get(selectedId)} />
          ) : (
            <p className="empty">Select a file to see why it is where it is.</p>
          )}
        </section>
      </div>
    </>
  );
}
