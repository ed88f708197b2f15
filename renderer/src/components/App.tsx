import { useEffect, useState } from 'react';
import { useConnection } from '../state/engine-context.ts';
import { useSite } from '../state/use-site.ts';
import { useUploadsControl } from '../state/use-uploads.ts';
import { ActivityView } from '../views/ActivityView.tsx';
import { CatalogView } from '../views/CatalogView.tsx';
import { QueuesView } from '../views/QueuesView.tsx';
import { ReviewView } from '../views/ReviewView.tsx';
import { RulesView } from '../views/RulesView.tsx';
import { SettingsView } from '../views/SettingsView.tsx';
import { ConnectionBanner } from './ConnectionBanner.tsx';
import { DestinationBanners } from './DestinationBanners.tsx';
import { DemoBanner } from './SiteBadge.tsx';
import { type Theme, ThemeToggle, useTheme } from './theme.ts';
import { PauseButton, PausedBanner } from './UploadsPause.tsx';

/** The operator's views, in navigation order (Alt+1 … Alt+6). */
export const VIEWS = [
  { id: 'queues', label: 'Queues', key: '1' },
  { id: 'rules', label: 'Rules', key: '2' },
  { id: 'activity', label: 'Activity', key: '3' },
  { id: 'settings', label: 'Settings', key: '4' },
  { id: 'review', label: 'Review', key: '5' },
  { id: 'catalog', label: 'Catalog', key: '6' },
] as const;
export type ViewId = (typeof VIEWS)[number]['id'];

function viewFromHash(): ViewId {
  // `#/review?file=42`: the view, and what it should open.
  const id = window.location.hash.replace(/^#\/?/, '').split('?')[0];
  return VIEWS.find((view) => view.id === id)?.id ?? 'queues';
}

export function App() {
  const connection = useConnection();
  const site = useSite();
  const [view, setView] = useState<ViewId>(viewFromHash);
  const [theme, setTheme] = useTheme();
  const uploads = useUploadsControl();

  // The URL names the view (#/rules), so a reload or a bookmark lands where the operator was.
  useEffect(() => {
    const onHash = () => setView(viewFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const go = (next: ViewId) => {
    setView(next);
    if (window.location.hash !== `#/${next}`) window.history.replaceState(null, '', `#/${next}`);
  };
  // Alt+1 … Alt+6 switch views from anywhere.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const target = VIEWS.find((v) => v.key === event.key);
      if (target) {
        event.preventDefault();
        go(target.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const engineVersion = connection.kind === 'connected' ? connection.welcome.engineVersion : undefined;
  return (
    <div className="app">
      <header className="topbar">
        <h1>Edge Capture</h1>
        {site?.demo ? <span className="demo-label small-label">DEMO</span> : null}
        {site ? (
          <span className="site-name" title={site.configFile ?? 'built-in config'}>
            {site.site}
          </span>
        ) : null}
        <nav className="views" aria-label="Views">
          {VIEWS.map((item) => (
            <button
              key={item.id}
              type="button"
              className={`nav-item${view === item.id ? ' active' : ''}`}
              aria-current={view === item.id ? 'page' : undefined}
              title={`${item.label} (Alt+${item.key})`}
              onClick={() => go(item.id)}
            >
              {item.label}
            </button>
          ))}
        </nav>
        <span className="spacer" />
        {connection.kind === 'connected' ? <PauseButton control={uploads} /> : null}
        <span className={`link-dot ${connection.kind}`} aria-hidden="true" />
        <span className="muted">{engineVersion ? `engine ${engineVersion}` : connection.kind}</span>
        <ThemeToggle theme={theme} onChange={(next: Theme) => setTheme(next)} />
      </header>
      <ConnectionBanner />
      {connection.kind === 'connected' ? <PausedBanner control={uploads} /> : null}
      {connection.kind === 'connected' ? <DestinationBanners /> : null}
      {site?.demo ? <DemoBanner site={site} /> : null}
      {view === 'queues' ? <QueuesView theme={theme} /> : null}
      {view === 'rules' ? <RulesView /> : null}
      {view === 'activity' ? <ActivityView /> : null}
      {view === 'settings' ? <SettingsView /> : null}
      {view === 'review' ? <ReviewView /> : null}
      {view === 'catalog' ? <CatalogView /> : null}
    </div>
  );
}
