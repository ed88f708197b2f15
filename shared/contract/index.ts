/** The contract between the UI and the engine host: one typed map of requests and events. */
export * from './catalog.ts';
export * from './credentials.ts';
export * from './domain.ts';
export * from './envelope.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './media.ts';
export * from './requests.ts';
export * from './result.ts';
export * from './review.ts';
export * from './settings.ts';
export * from './site-edits.ts';
export * from './uploads.ts';
export * from './views.ts';
