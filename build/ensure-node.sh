#!/usr/bin/env bash
# Source this: puts Node.js 24 first on PATH, fetching it from the npm registry when the
# machine's node is older (the node-<os>-<arch> packages carry the official binaries).
edge_capture_ensure_node() {
  local have
  have=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$have" -ge 24 ]; then return 0; fi
  local os arch
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) echo "Unsupported OS $(uname -s): install Node.js 24 yourself" >&2; return 1 ;; esac
  case "$(uname -m)" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) echo "Unsupported CPU $(uname -m): install Node.js 24 yourself" >&2; return 1 ;; esac
  local dir="${EDGE_CAPTURE_NODE_DIR:-$HOME/.cache/edge-capture/node24}"
  local bin="$dir/node_modules/node-$os-$arch/bin"
  if [ ! -x "$bin/node" ]; then
    echo "Node.js $(node --version 2>/dev/null || echo '(none)') is too old; fetching Node.js 24 from the npm registry into $dir" >&2
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "node-$os-$arch@24" >&2 || return 1
  fi
  export PATH="$bin:$PATH"
}
edge_capture_ensure_node
