import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Throughput } from '../../../shared/contract/index.ts';
import { throughputTotals, useThroughput } from '../state/use-throughput.ts';
import { formatBytes, formatCount } from './format.ts';

const HEIGHT = 120;

/** A theme colour as the canvas needs it: the variables hold light-dark(…), resolved only on an element. */
function prefersDark(): boolean {
  const chosen = document.documentElement.dataset['theme'];
  return chosen ? chosen === 'dark' : window.matchMedia('(prefers-color-scheme: dark)').matches;
}

function cssVar(name: string, fallback: string, alpha = 1): string {
  const probe = document.createElement('span');
  probe.style.color = `var(${name}, ${fallback})`;
  probe.style.display = 'none';
  document.body.append(probe);
  const resolved = getComputedStyle(probe).color;
  probe.remove();
  // A colour written as light-dark(a, b) can come back unresolved: pick the half the theme uses.
  const colours = [...resolved.matchAll(/rgba?\((\d+),\s*(\d+),\s*(\d+)/g)];
  const rgb = colours.length > 1 && prefersDark() ? colours[1] : colours[0];
  return rgb ? `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, ${alpha})` : fallback;
}

function toData(series: Throughput): uPlot.AlignedData {
  return [
    series.buckets.map((b) => b.at / 1000),
    series.buckets.map((b) => b.files),
    series.buckets.map((b) => b.bytes / 1024 ** 2),
  ];
}

/** Files (bars) and MiB (line) uploaded per minute over the last hour, in the theme's colours. */
export function ThroughputChart({ theme }: { theme: string }) {
  const series = useThroughput();
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot>(undefined);
  const latest = useRef<Throughput>(undefined);
  latest.current = series;

  // (Re)built when the theme changes: uPlot draws on a canvas, colours are read once.
  // biome-ignore lint/correctness/useExhaustiveDependencies: theme is the trigger, not an input
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const text = cssVar('--muted', '#5b6472');
    const grid = cssVar('--line', '#d9dde3');
    const accent = cssVar('--accent', '#1f5fd1');
    const good = cssVar('--good', '#16794a');
    const goodFill = cssVar('--good', '#16794a', 0.35);
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const chart = new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: true },
          files: { range: (_u, _min, max) => [0, Math.max(max, 5)] },
          mib: { range: (_u, _min, max) => [0, Math.max(max, 1)] },
        },
        axes: [
          {
            ...axis,
            space: 60,
            // 24-hour clock, as everywhere else in the UI (uPlot's default is 12-hour with am/pm).
            values: (_u: uPlot, splits: number[]) =>
              splits.map((at) =>
                new Date(at * 1000).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }),
              ),
          },
          { ...axis, scale: 'files', label: 'files/min', labelSize: 16, size: 44 },
          {
            ...axis,
            scale: 'mib',
            side: 1,
            label: 'MiB/min',
            labelSize: 16,
            size: 44,
            grid: { show: false },
          },
        ],
        series: [
          {},
          {
            label: 'Files',
            scale: 'files',
            stroke: good,
            fill: goodFill,
            paths: uPlot.paths.bars?.({ size: [0.7, 40] }),
            points: { show: false },
          },
          { label: 'MiB', scale: 'mib', stroke: accent, width: 2, points: { show: false } },
        ],
      },
      [[], [], []],
      element,
    );
    plot.current = chart;
    if (latest.current) chart.setData(toData(latest.current));
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(element.clientWidth, 200), height: HEIGHT }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
  }, [theme]);

  useEffect(() => {
    if (series && plot.current) plot.current.setData(toData(series));
  }, [series]);

  const totals = series ? throughputTotals(series) : undefined;
  return (
    <section className="throughput" aria-label="Uploads over the last hour">
      <header className="throughput-head">
        <h2>Uploaded, last hour</h2>
        {totals ? (
          <span className="throughput-totals" data-testid="throughput-totals">
            <strong>{formatCount(totals.files)}</strong> {totals.files === 1 ? 'file' : 'files'} ·{' '}
            <strong>{formatBytes(totals.bytes)}</strong>
            <span className="muted">
              {' '}
              (last full minute: {formatCount(totals.lastFiles)} {totals.lastFiles === 1 ? 'file' : 'files'},{' '}
              {formatBytes(totals.lastBytes)})
            </span>
          </span>
        ) : (
          <span className="muted">…</span>
        )}
      </header>
      <div
        ref={box}
        className="throughput-plot"
        role="img"
        aria-label={totals ? `${totals.files} files uploaded in the last hour` : 'Loading'}
      />
    </section>
  );
}
