import { useEffect, useState } from 'react';
import type { SiteInfo } from '../../../shared/contract/index.ts';
import { useConnection, useEngine } from './engine-context.ts';

/** The site the engine runs (name, demo or not, config file), fetched on each (re)connect. */
export function useSite(): SiteInfo | undefined {
  const client = useEngine();
  const connection = useConnection();
  const [site, setSite] = useState<SiteInfo>();
  useEffect(() => {
    if (connection.kind !== 'connected') return;
    let current = true;
    const load = () =>
      client.request('site.info', {}).then(
        (info) => current && setSite(info),
        () => undefined, // an engine without a site config: no site facts to show
      );
    void load();
    const off = client.on('config.reloaded', () => void load());
    return () => {
      current = false;
      off();
    };
  }, [client, connection]);
  return site;
}
