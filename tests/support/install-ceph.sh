#!/usr/bin/env bash
# Installs the Ceph daemons the RGW-backed tests need (Debian bookworm packages).
# Idempotent: does nothing when the binaries are already on PATH.
set -euo pipefail

PACKAGES=(ceph-mon ceph-osd radosgw ceph-common)
POLICY=/usr/sbin/policy-rc.d

# Every binary tests/support/ceph-rgw.sh runs.
BINARIES=(radosgw radosgw-admin ceph-mon ceph-osd ceph ceph-authtool monmaptool)

missing_binaries() {
  local b missing=()
  for b in "${BINARIES[@]}"; do
    command -v "$b" >/dev/null 2>&1 || missing+=("$b")
  done
  echo "${missing[*]}"
}

if [ -z "$(missing_binaries)" ]; then
  echo "install-ceph: ceph daemons already installed ($(radosgw --version 2>/dev/null | head -n1)); nothing to do"
  exit 0
fi
echo "install-ceph: missing: $(missing_binaries)"

if [ "$(id -u)" -ne 0 ]; then
  echo "install-ceph: ceph binaries are missing and we are not root; run as root: sudo bash $0" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-ceph: ceph binaries are missing and apt-get is not available; install ${PACKAGES[*]} by hand" >&2
  exit 1
fi

# A policy-rc.d that exits 101 tells the package scripts not to start daemons:
# the tests run their own throwaway cluster, never the system one. An existing
# policy-rc.d is set aside and put back afterwards.
BACKUP=""
APT_LOG=$(mktemp)
cleanup() {
  rm -f "$POLICY" "$APT_LOG"
  if [ -n "$BACKUP" ]; then
    mv "$BACKUP" "$POLICY"
    echo "install-ceph: restored the original $POLICY"
  else
    echo "install-ceph: removed temporary $POLICY"
  fi
}
trap cleanup EXIT
if [ -e "$POLICY" ]; then
  BACKUP=$(mktemp /usr/sbin/policy-rc.d.install-ceph.XXXXXX)
  mv "$POLICY" "$BACKUP"
fi
printf '#!/bin/sh\nexit 101\n' >"$POLICY"
chmod 755 "$POLICY"
echo "install-ceph: wrote temporary $POLICY (no service starts during install)"

install_packages() {
  echo "install-ceph: apt-get install ${PACKAGES[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}" 2>&1 |
    tee "$APT_LOG"
}

if ! install_packages; then
  # Empty or stale package lists (fresh machine) are the one failure an update fixes.
  if ! grep -qE 'Unable to locate package|has no installation candidate|Failed to fetch|404' "$APT_LOG"; then
    echo "install-ceph: apt-get install ${PACKAGES[*]} failed; see the apt output above" >&2
    exit 1
  fi
  echo "install-ceph: package lists missing or stale; running apt-get update and retrying"
  if ! apt-get update; then
    echo "install-ceph: apt-get update failed; cannot install ${PACKAGES[*]}" >&2
    exit 1
  fi
  if ! install_packages; then
    echo "install-ceph: apt-get install ${PACKAGES[*]} failed after apt-get update; see the apt output above" >&2
    exit 1
  fi
fi

if [ -n "$(missing_binaries)" ]; then
  echo "install-ceph: packages installed but still missing: $(missing_binaries)" >&2
  exit 1
fi
echo "install-ceph: installed $(radosgw --version 2>/dev/null | head -n1 || echo radosgw)"
