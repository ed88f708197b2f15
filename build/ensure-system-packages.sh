#!/usr/bin/env bash
# Debian packages the test suite uses (real object store, browser, peers for benchmarks).
# Installs only what is missing, and only when running as root with apt-get; otherwise says what is needed.
set -euo pipefail
missing=()
# (the desktop UI tests will add chromium here)
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "The tests need these Debian packages: ${missing[*]} (apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "Installing ${missing[*]} …" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
  apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
}
