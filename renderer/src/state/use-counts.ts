import { useEffect, useState } from 'react';
import type { QueueCounts } from '../../../shared/contract/index.ts';
import { useConnection, useEngine } from './engine-context.ts';

/** Live counts by state: fetched on (re)connect, then kept current by the host's coalesced events. */
export function useCounts(): QueueCounts | undefined {
  const client = useEngine();
  const connection = useConnection();
  const [counts, setCounts] = useState<QueueCounts>();
  useEffect(() => client.on('queue.counts', (payload) => setCounts(payload.counts)), [client]);
  useEffect(() => {
    if (connection.kind !== 'connected') return;
    let current = true;
    client.request('queue.counts', {}).then(
      (reply) => current && setCounts(reply.counts),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [client, connection]);
  return counts;
}
