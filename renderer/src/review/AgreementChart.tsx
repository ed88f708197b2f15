import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { RequestResult } from '../../../shared/contract/index.ts';
import { useConnection, useEngine } from '../state/engine-context.ts';
import { classColour } from './ImageStage.tsx';

type Bucket = RequestResult<'review.agreement'>['buckets'][number];

const RANGES = {
  day: { label: 'Last 24 hours', ms: 24 * 3600_000, bucket: 'hour' as const },
  week: { label: 'Last 7 days', ms: 7 * 24 * 3600_000, bucket: 'day' as const },
  month: { label: 'Last 30 days', ms: 30 * 24 * 3600_000, bucket: 'day' as const },
};
type Range = keyof typeof RANGES;

function themeColour(name: string, fallback: string): string {
  const probe = document.createElement('span');
  probe.style.color = `var(${name}, ${fallback})`;
  probe.style.display = 'none';
  document.body.append(probe);
  const resolved = getComputedStyle(probe).color;
  probe.remove();
  const chosen = document.documentElement.dataset['theme'];
  const dark = chosen ? chosen === 'dark' : window.matchMedia('(prefers-color-scheme: dark)').matches;
  const colours = [...resolved.matchAll(/rgba?\((\d+),\s*(\d+),\s*(\d+)/g)];
  const rgb = colours.length > 1 && dark ? colours[1] : colours[0];
  return rgb ? `rgb(${rgb[1]}, ${rgb[2]}, ${rgb[3]})` : fallback;
}

/**
 * How often reviewers agreed with the model, per model version and class over time
 * (`review.agreement`): a line per model version and class, so a model going wrong shows as a drop.
 */
export function AgreementChart() {
  const client = useEngine();
  const connection = useConnection();
  const [range, setRange] = useState<Range>('week');
  const [modelVersion, setModelVersion] = useState('');
  const [label, setLabel] = useState('');
  const [buckets, setBuckets] = useState<Bucket[]>([]);
  const [span, setSpan] = useState<[number, number]>([0, 1]);
  const [error, setError] = useState<string>();
  const box = useRef<HTMLDivElement>(null);
  const theme = document.documentElement.dataset['theme'] ?? '';

  useEffect(() => {
    if (connection.kind !== 'connected') return;
    const { ms, bucket } = RANGES[range];
    const to = Date.now() + 60_000;
    client
      .request('review.agreement', {
        from: to - ms,
        to,
        bucket,
        ...(modelVersion ? { modelVersion } : {}),
        ...(label ? { label } : {}),
      })
      .then((answer) => {
        setBuckets(answer.buckets);
        setSpan([(to - ms) / 1000, to / 1000]);
        setError(undefined);
      })
      .catch((e: Error) => setError(e.message));
  }, [client, connection.kind, range, modelVersion, label]);

  const series = useMemo(() => {
    const keys = [...new Set(buckets.map((b) => `${b.modelVersion} · ${b.label}`))].sort();
    const times = [...new Set(buckets.map((b) => b.at))].sort((a, b) => a - b);
    const rows = keys.map((key) =>
      times.map((at) => {
        const b = buckets.find((x) => x.at === at && `${x.modelVersion} · ${x.label}` === key);
        return b ? Math.round(b.rate * 1000) / 10 : null;
      }),
    );
    return { keys, times, rows };
  }, [buckets]);
  const models = useMemo(() => [...new Set(buckets.map((b) => b.modelVersion))].sort(), [buckets]);
  const labels = useMemo(() => [...new Set(buckets.map((b) => b.label))].sort(), [buckets]);
  const totals = useMemo(() => {
    const map = new Map<string, { agreed: number; changed: number; deleted: number; missed: number }>();
    for (const b of buckets) {
      const key = `${b.modelVersion} · ${b.label}`;
      const t = map.get(key) ?? { agreed: 0, changed: 0, deleted: 0, missed: 0 };
      t.agreed += b.agreed;
      t.changed += b.changed;
      t.deleted += b.deleted;
      t.missed += b.missed;
      map.set(key, t);
    }
    return [...map.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [buckets]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: theme is a trigger (colours are read once)
  useEffect(() => {
    const element = box.current;
    if (!element || series.times.length === 0) return;
    const text = themeColour('--muted', '#5b6472');
    const grid = themeColour('--line', '#d9dde3');
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const day = RANGES[range].bucket === 'day';
    const chart = new uPlot(
      {
        width: Math.max(element.clientWidth, 300),
        height: 260,
        legend: { show: true },
        // The whole range asked for, so a single bucket sits at its time, not on an invented axis.
        scales: { x: { time: true, range: () => span }, y: { range: [0, 100] } },
        axes: [
          {
            ...axis,
            // Ticks on whole buckets: one label per day (or hour), never the same day three times.
            incrs: day ? [86_400, 2 * 86_400, 7 * 86_400] : [3600, 2 * 3600, 3 * 3600, 6 * 3600],
            values: (_u: uPlot, splits: number[]) =>
              splits.map((at) =>
                new Date(at * 1000).toLocaleString(
                  'en-GB',
                  day ? { day: '2-digit', month: 'short' } : { hour: '2-digit', minute: '2-digit' },
                ),
              ),
          },
          { ...axis, label: 'agreed %', labelSize: 16, size: 48 },
        ],
        series: [
          {},
          ...series.keys.map((key) => ({
            label: key,
            stroke: classColour(key.split(' · ')[1] ?? key, labels),
            width: 2,
            dash: models.indexOf(key.split(' · ')[0] ?? '') % 2 === 1 ? [6, 4] : undefined,
            points: { show: true, size: 6 },
            spanGaps: true,
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : `${v}%`),
          })),
        ],
      },
      [series.times.map((t) => t / 1000), ...series.rows] as uPlot.AlignedData,
      element,
    );
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(element.clientWidth, 300), height: 260 }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [series, theme, range, labels, models, span]);

  return (
    <section className="agreement" aria-labelledby="agreement-title">
      <header className="agreement-head">
        <h3 id="agreement-title">Agreement with the model</h3>
        <select value={range} onChange={(e) => setRange(e.target.value as Range)} aria-label="Time range">
          {Object.entries(RANGES).map(([key, r]) => (
            <option key={key} value={key}>
              {r.label}
            </option>
          ))}
        </select>
        <select
          value={modelVersion}
          onChange={(e) => setModelVersion(e.target.value)}
          aria-label="Model version"
        >
          <option value="">every model version</option>
          {models.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
        <select value={label} onChange={(e) => setLabel(e.target.value)} aria-label="Class">
          <option value="">every class</option>
          {labels.map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
      </header>
      {error ? <p className="bad-text">{error}</p> : null}
      {buckets.length === 0 && !error ? (
        <p className="empty">
          No corrections in this time range yet: agreement shows once reviewers have worked.
        </p>
      ) : null}
      <div ref={box} className="agreement-plot" data-series={series.keys.length} />
      {totals.length > 0 ? (
        <table className="agreement-table">
          <thead>
            <tr>
              <th>Model · class</th>
              <th>Agreed</th>
              <th>Class or box changed</th>
              <th>Deleted</th>
              <th>Missed</th>
              <th>Rate</th>
            </tr>
          </thead>
          <tbody>
            {totals.map(([key, t]) => {
              const all = t.agreed + t.changed + t.deleted + t.missed;
              return (
                <tr key={key}>
                  <td>{key}</td>
                  <td>{t.agreed}</td>
                  <td>{t.changed}</td>
                  <td>{t.deleted}</td>
                  <td>{t.missed}</td>
                  <td>{all ? `${Math.round((t.agreed / all) * 100)}%` : '–'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
