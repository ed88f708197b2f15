import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { EngineConfig } from '../../../shared/config.ts';
import type { DestinationDraft } from '../../../shared/contract/index.ts';
import type { DestinationConfig, S3DestinationConfig } from '../../../shared/upload-config.ts';
import { testConnection } from '../../engine/upload/connection-test.ts';
import { checkBandwidth } from '../bandwidth-words.ts';
import type { HostedEngine } from '../hosted-engine.ts';
import { bandwidthPath, siteSettings } from '../settings-words.ts';
import { DEMO_SOURCE, revisionOf } from '../site-control.ts';
import { storedKeyFacts } from './credentials.ts';
import { type HandlerMap, type HostContext, RequestFailed, siteOf } from './types.ts';

/** The site file as it is now, read as data (the saved settings, which may differ from the running ones). */
async function fileRaw(host: HostContext): Promise<EngineConfig> {
  const site = siteOf(host);
  const text = await site.fileText();
  if (text === undefined || !site.file) return site.config.raw;
  if (site.file.toLowerCase().endsWith('.json')) return JSON.parse(text) as EngineConfig;
  return (parseDocument(text).toJS() ?? {}) as EngineConfig;
}

/** A draft from the form as the engine's destination config: paths resolved, saved credentials kept. */
function draftConfig(draft: DestinationDraft, host: HostContext): DestinationConfig {
  const site = siteOf(host);
  const base = site.file ? dirname(site.file) : process.cwd();
  const path = (value: string) => (isAbsolute(value) ? value : resolve(base, value));
  if (draft.type === 'filesystem') return { type: 'filesystem', path: path(draft.path) };
  if (draft.type === 'local')
    return draft.path ? { type: 'local', path: path(draft.path) } : { type: 'local' };
  const { accessKeyId, secretAccessKey, name: _name, ...rest } = draft;
  const cfg: S3DestinationConfig = { ...rest };
  for (const key of ['endpoint', 'region', 'prefix', 'caBundle', 'proxy'] as const) {
    if (cfg[key] !== undefined && cfg[key].trim() === '') delete cfg[key];
  }
  if (cfg.caBundle) cfg.caBundle = path(cfg.caBundle);
  if (accessKeyId || secretAccessKey) {
    cfg.credentials = { accessKeyId, secretAccessKey };
  } else {
    // The form never holds a saved secret: the destination's own credentials are used.
    const saved = site.config.destinations.find((d) => d.name === draft.name)?.config;
    if (saved?.type === 's3' && saved.credentials) cfg.credentials = saved.credentials;
  }
  return cfg;
}

function readOnlyReason(host: HostContext): string | undefined {
  const site = siteOf(host);
  if (site.file) return undefined;
  return site.config.source === DEMO_SOURCE
    ? 'The demo runs on built-in settings: a bandwidth limit applies until the demo stops; to keep settings, set up a site file.'
    : 'These settings did not come from a file, so there is nowhere to save them.';
}

const statusesOf = (engine: HostedEngine) => engine.destinationStatuses?.() ?? [];

export const settingsHandlers: HandlerMap<
  'destinations.status' | 'destinations.test' | 'settings.get' | 'bandwidth.check' | 'bandwidth.update'
> = {
  'destinations.status': (_engine, _params, host) => ({ destinations: host.links?.current() ?? [] }),

  'destinations.test': async (_engine, params, host) => {
    const site = siteOf(host);
    let config: DestinationConfig | undefined;
    if (params.draft) {
      config = draftConfig(params.draft, host);
    } else {
      const named = site.config.destinations.find((d) => d.name === params.name);
      if (!named) {
        throw new RequestFailed(
          `There is no destination "${params.name}" (${site.config.destinations.map((d) => d.name).join(', ')}).`,
        );
      }
      config = named.config;
    }
    return testConnection(config, {
      dataDir: site.config.dataDir,
      destination: params.draft?.name ?? params.name,
    });
  },

  'settings.get': async (engine, _params, host) => {
    const site = siteOf(host);
    const text = await site.fileText();
    const settings = siteSettings({
      config: site.config,
      fileRaw: await fileRaw(host),
      configFile: site.file,
      readOnlyReason: readOnlyReason(host),
      statuses: statusesOf(engine),
      liveBandwidth: engine.liveBandwidth?.() ?? new Map(),
      storedKeys: await storedKeyFacts(site),
    });
    // The revision of the file as read here: settings.update refuses a save over a newer one.
    if (text !== undefined) settings.revision = revisionOf(text);
    return settings;
  },

  'bandwidth.check': (_engine, params) => {
    const { normalized: _n, ...checked } = checkBandwidth(params.spec);
    return checked;
  },

  'bandwidth.update': async (engine, params, host) => {
    const checked = checkBandwidth(params.spec);
    const refused = (message: string) => ({
      ok: false,
      issues: checked.issues,
      applied: false,
      saved: false,
      message,
    });
    if (!checked.ok)
      return refused('Not applied: fix the timetable first. Uploads go on at the limit in force.');
    const site = siteOf(host);
    const spec = params.spec.trim().split(/\s+/).join(' ');
    const name = params.destination;
    if (name !== undefined && !site.config.destinations.some((d) => d.name === name)) {
      throw new RequestFailed(`There is no destination "${name}".`);
    }
    if (!engine.setBandwidth) {
      throw new RequestFailed(
        'This engine does not upload (no uploaders run), so it has no bandwidth limit.',
      );
    }
    try {
      engine.setBandwidth(spec, name);
    } catch (error) {
      return refused(`Not applied: ${(error as Error).message}.`);
    }
    const whose = name === undefined ? "The site's limit" : `The limit of destination "${name}"`;
    engine.queue.note(
      'upload',
      `${whose.replace(/^The/, 'the')} set to "${spec}" from the UI${params.save ? ' and saved to the site file' : ' (until the engine restarts)'}`,
    );
    if (!params.save) {
      return {
        ok: true,
        issues: [],
        applied: true,
        saved: false,
        message: `${whose} is now "${spec}" (now: ${checked.now}). Not saved: it lasts until the engine restarts.`,
      };
    }
    const path = bandwidthPath(await fileRaw(host), name);
    const saved = await site.saveSetting(path, spec);
    if (!saved.ok) {
      return {
        ok: false,
        issues: saved.issues.map((issue) => ({ message: issue.message, hint: issue.hint })),
        applied: true,
        saved: false,
        message: `${whose} is now "${spec}" in the running engine, but it could not be saved to the site file: it lasts until the engine restarts.`,
      };
    }
    host.broadcast('config.reloaded', { at: Date.now(), warnings: [] });
    return {
      ok: true,
      issues: [],
      applied: true,
      saved: true,
      message: `${whose} is now "${spec}" (now: ${checked.now}), in the running engine and in the site file.`,
    };
  },
};
