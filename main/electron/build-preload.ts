// Bundles the Electron preload into dist/electron/preload.cjs. A sandboxed preload cannot load modules
// (only a small `require('electron')`), so the contract code and valibot are bundled into one
// CommonJS file. The main process and the engine host utility process run the .ts sources directly
// (Electron's Node strips types), so they are not bundled.
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export const PRELOAD_OUT = fileURLToPath(new URL('../../dist/electron/preload.cjs', import.meta.url));

export async function buildPreload(): Promise<string> {
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: fileURLToPath(new URL('../../dist/electron', import.meta.url)),
      emptyOutDir: false,
      minify: false,
      sourcemap: false,
      copyPublicDir: false,
      lib: {
        entry: fileURLToPath(new URL('./preload.ts', import.meta.url)),
        formats: ['cjs'],
        fileName: () => 'preload.cjs',
      },
      rollupOptions: { external: ['electron'] },
    },
  });
  return PRELOAD_OUT;
}

if (import.meta.main) {
  console.log(`preload bundled: ${await buildPreload()}`);
}
