#!/usr/bin/env bash
# Source this after ensure-node.sh: installs npm dependencies exactly as package-lock.json records them
# (`npm ci`), when node_modules is missing or was installed from another lock file.
edge_capture_ensure_deps() {
  local stamp=node_modules/.edge-capture-lock
  if [ ! -d node_modules ] || ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
    npm ci --no-audit --no-fund --loglevel=error || return 1
    cp package-lock.json "$stamp"
  fi
}
edge_capture_ensure_deps
