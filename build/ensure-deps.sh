#!/usr/bin/env bash
# Source this after ensure-node.sh: installs npm dependencies when they are missing or stale.
edge_capture_ensure_deps() {
  local stamp=node_modules/.edge-capture-lock
  if [ ! -d node_modules ] || ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
    # `npm install`, not `npm ci`: npm leaves other platforms' optional packages (biome's binaries)
    # out of the lock file here, and `npm ci` then refuses the lock as out of sync.
    npm install --no-audit --no-fund --loglevel=error || return 1
    cp package-lock.json "$stamp"
  fi
}
edge_capture_ensure_deps
