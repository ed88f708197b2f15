#!/usr/bin/env bash
# Prints which app `build/run-app.sh` starts with no arguments: "electron", or "browser" and why
# (on stderr). Never triggers the electron package's lazy runtime download (no network).
# EDGE_CAPTURE_APP=browser|electron forces the answer.
set -euo pipefail
cd "$(dirname "$0")/.."

electron_runtime() {
  local dir=node_modules/electron name
  name=$(cat "$dir/path.txt" 2>/dev/null || true)
  if [ -n "${ELECTRON_OVERRIDE_DIST_PATH:-}" ]; then
    [ -x "$ELECTRON_OVERRIDE_DIST_PATH/${name:-electron}" ]
    return
  fi
  [ -n "$name" ] && [ -x "$dir/dist/$name" ]
}
has_display() {
  case "$(uname -s)" in
    Darwin | MINGW* | MSYS* | CYGWIN*) return 0 ;;
    *) [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ] ;;
  esac
}

case "${EDGE_CAPTURE_APP:-}" in
  electron | browser) echo "$EDGE_CAPTURE_APP"; exit 0 ;;
  '') ;;
  *) echo "EDGE_CAPTURE_APP must be electron or browser, got \"$EDGE_CAPTURE_APP\"" >&2; exit 2 ;;
esac
if ! electron_runtime; then
  echo "Electron's runtime is not installed (npx install-electron fetches it): starting browser mode." >&2
  echo browser
elif ! has_display; then
  echo "No display (DISPLAY/WAYLAND_DISPLAY unset): starting browser mode." >&2
  echo browser
else
  echo electron
fi
