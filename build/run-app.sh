#!/usr/bin/env bash
# The one run command (README): Node 24, dependencies, then the app.
#   no arguments: the desktop app (Electron) when its runtime is installed and there is a display;
#                 otherwise browser mode on the zero-config DEMO site, with the URL to open printed
#                 (build/app-mode.sh decides; EDGE_CAPTURE_APP=browser|electron forces a mode).
#   arguments:    passed to the CLI (e.g. `bash build/run-app.sh serve --config site.yaml`).
# EDGE_CAPTURE_LISTEN sets browser mode's address (default 127.0.0.1:7878).
set -euo pipefail
cd "$(dirname "$0")/.."
source build/ensure-node.sh
source build/ensure-deps.sh
if [ "$#" -gt 0 ]; then exec node --max-semi-space-size=4 main/cli/index.ts "$@"; fi

mode=$(bash build/app-mode.sh)

# The UI both modes show (dist/renderer), built when missing or older than its sources.
if [ ! -f dist/renderer/index.html ] || [ -n "$(find renderer shared -newer dist/renderer/index.html -type f -print -quit)" ]; then
  npm run --silent build:renderer >&2
fi

if [ "$mode" = electron ]; then
  node main/electron/build-preload.ts >&2
  exec npx electron .
fi
echo "Browser mode, DEMO site: a simulated sensor feeds a local engine; open the URL printed below." >&2
exec node --max-semi-space-size=4 main/cli/index.ts serve --demo --listen "${EDGE_CAPTURE_LISTEN:-127.0.0.1:7878}"
