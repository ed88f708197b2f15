import { type HandlerMap, RequestFailed } from './types.ts';

// Placeholder until the live settings work lands (see issue 9): refuses clearly.
export const siteEditHandlers: HandlerMap<'settings.check' | 'settings.update'> = {
  'settings.check': () => {
    throw new RequestFailed('Editing settings from the UI is not available yet.');
  },
  'settings.update': () => {
    throw new RequestFailed('Editing settings from the UI is not available yet.');
  },
};
