import { useEffect, useState } from 'react';
import type { Throughput } from '../../../shared/contract/index.ts';
import { useConnection, useEngine } from './engine-context.ts';

/** Uploaded files and bytes per minute over the last hour: fetched on connect, then pushed by the host. */
export function useThroughput(): Throughput | undefined {
  const client = useEngine();
  const connection = useConnection();
  const [series, setSeries] = useState<Throughput>();
  useEffect(() => client.on('throughput', setSeries), [client]);
  useEffect(() => {
    if (connection.kind !== 'connected') return;
    let current = true;
    client.request('stats.throughput', {}).then(
      (reply) => current && setSeries(reply),
      () => undefined,
    );
    // Time moves on while nothing uploads: the window slides once a minute.
    const timer = setInterval(
      () =>
        client.request('stats.throughput', {}).then(
          (reply) => current && setSeries(reply),
          () => undefined,
        ),
      60_000,
    );
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [client, connection]);
  return series;
}

/** Totals for the heading: files and bytes in the last hour and in the latest full interval. */
export function throughputTotals(series: Throughput): {
  files: number;
  bytes: number;
  lastFiles: number;
  lastBytes: number;
} {
  const buckets = series.buckets;
  const last = buckets.at(-2) ?? buckets.at(-1); // the newest interval is still filling
  return {
    files: buckets.reduce((sum, b) => sum + b.files, 0),
    bytes: buckets.reduce((sum, b) => sum + b.bytes, 0),
    lastFiles: last?.files ?? 0,
    lastBytes: last?.bytes ?? 0,
  };
}
