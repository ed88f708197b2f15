import { useCallback, useEffect, useState } from 'react';
import { parse } from 'yaml';
import type { SiteSettings } from '../../../../shared/contract/index.ts';
import { useConnection, useEngine } from '../../state/engine-context.ts';
import type { SiteFile } from './entries.ts';
import { errorText } from './error-text.ts';

export interface LoadedSettings {
  /** The settings as the engine runs them, in words (settings.get). */
  settings: SiteSettings;
  /** The site file as written, read as data: what the edit forms start from. Empty without a file. */
  file: SiteFile;
}

/** The site file as data (YAML, or JSON, which YAML reads too); empty when it cannot be read. */
export function readSiteFile(text: string | undefined): SiteFile {
  if (!text) return {};
  try {
    const value: unknown = parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as SiteFile) : {};
  } catch {
    return {};
  }
}

/** settings.get and the site file's text, loaded on connect and again whenever the config reloads. */
export function useSiteSettings(): {
  loaded: LoadedSettings | undefined;
  error: string | undefined;
  reload(): Promise<void>;
} {
  const client = useEngine();
  const connection = useConnection();
  const [loaded, setLoaded] = useState<LoadedSettings>();
  const [error, setError] = useState<string>();

  const reload = useCallback(async () => {
    try {
      const [settings, config] = await Promise.all([
        client.request('settings.get', {}),
        client.request('config.get', {}),
      ]);
      setLoaded({ settings, file: readSiteFile(config.fileText) });
      setError(undefined);
    } catch (cause) {
      setError(errorText(cause));
    }
  }, [client]);
  useEffect(() => {
    if (connection.kind === 'connected') void reload();
  }, [connection, reload]);
  useEffect(() => client.on('config.reloaded', () => void reload()), [client, reload]);
  useEffect(() => client.on('credentials.changed', () => void reload()), [client, reload]);
  return { loaded, error, reload };
}
