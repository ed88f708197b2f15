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
const { main } = await import('../main/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
