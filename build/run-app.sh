#!/usr/bin/env bash
# The one run command (README): Node 24, dependencies, then the app (zero-config demo unless arguments are given).
set -euo pipefail
cd "$(dirname "$0")/.."
source build/ensure-node.sh
source build/ensure-deps.sh
if [ "$#" -eq 0 ]; then exec npm start; fi
exec node --max-semi-space-size=4 main/cli/index.ts "$@"
