import { checkSettings, updateSettings } from '../site-settings-edit.ts';
import { type HandlerMap, siteOf } from './types.ts';

/** Editing the site's settings from the UI: checked as `validate` would, saved with comments kept, applied live. */
export const siteEditHandlers: HandlerMap<'settings.check' | 'settings.update'> = {
  'settings.check': (_engine, params, host) => checkSettings(siteOf(host), params.edits),
  'settings.update': (engine, params, host) =>
    updateSettings(engine, siteOf(host), host, params.edits, params.revision),
};
