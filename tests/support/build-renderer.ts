import { build } from 'vite';

/**
 * Vitest global setup: builds the renderer once, so `serve` tests find the UI they serve. Built for
 * production: Vitest sets NODE_ENV=test, which Vite would otherwise follow into React's development
 * build (585 KB, StrictMode double renders) — and that bundle is what `edge-capture serve` would then
 * serve from this checkout.
 */
export default async function buildRenderer(): Promise<void> {
  const before = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  try {
    await build({
      configFile: new URL('../../renderer/vite.config.ts', import.meta.url).pathname,
      mode: 'production',
      logLevel: 'warn',
    });
  } finally {
    if (before === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = before;
  }
}
