import { useEffect, useState } from 'react';
import type { DestinationLink } from '../../../shared/contract/index.ts';
import { useConnection, useEngine } from './engine-context.ts';

/**
 * Each destination's link and upload counts: fetched on (re)connect, then kept current by the
 * host's `connectivity` event (sent when something changes, coalesced).
 */
export function useDestinations(): DestinationLink[] | undefined {
  const client = useEngine();
  const connection = useConnection();
  const [links, setLinks] = useState<DestinationLink[]>();
  useEffect(() => client.on('connectivity', (payload) => setLinks(payload.destinations)), [client]);
  useEffect(() => {
    if (connection.kind !== 'connected') return;
    let current = true;
    client.request('destinations.status', {}).then(
      (reply) => current && setLinks(reply.destinations),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [client, connection]);
  return links;
}

/** Ticks every second while `active`, for "next check in 12 s". */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}
