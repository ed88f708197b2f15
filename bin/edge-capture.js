#!/usr/bin/env -S node --max-semi-space-size=4
// (A smaller young generation keeps the engine's memory flat under a stream of small files.)
// Entry point for `edge-capture`: checks the Node version before loading the TypeScript sources.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `edge-capture needs Node.js 24 or newer (this is ${process.version}). See README "Set up" or use .nvmrc.\n`,
  );
  process.exit(2);
}
// Node strips the TypeScript sources' types with a WebAssembly parser that costs ~30 MB of RSS
// per thread (the main thread and each inspection worker) once loaded. The compile cache keeps the
// stripped code (and V8's code cache) on disk, keyed by content, so later starts never load it:
// an idle engine measured 200 MB RSS without the cache, 159 MB with it (item 21, 2 cores).
// NODE_COMPILE_CACHE chooses the folder (default: <tmpdir>/node-compile-cache); NODE_DISABLE_COMPILE_CACHE=1 turns it off.
const { enableCompileCache } = await import('node:module');
const cache = enableCompileCache?.();
// Worker threads (inspection) read the folder from the environment when they start.
if (cache?.directory && !process.env.NODE_COMPILE_CACHE) process.env.NODE_COMPILE_CACHE = cache.directory;
const { main } = await import('../main/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
