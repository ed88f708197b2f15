#!/usr/bin/env bash
# The one test command (README, CI): Node 24, dependencies, system packages the tests need, then npm test.
set -euo pipefail
cd "$(dirname "$0")/.."
source build/ensure-node.sh
source build/ensure-deps.sh
bash build/ensure-system-packages.sh
npm test
