import { build } from 'vite';

/** Vitest global setup: builds the renderer once, so `serve` tests find the UI they serve. */
export default async function buildRenderer(): Promise<void> {
  await build({
    configFile: new URL('../../renderer/vite.config.ts', import.meta.url).pathname,
    logLevel: 'warn',
  });
}
