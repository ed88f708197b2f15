#!/usr/bin/env bash
# Debian packages the test suite uses: Ceph (a real S3 object store, RADOS Gateway), openssl (test
# certificates) and Chromium (browser-mode and end-to-end UI tests; Playwright never downloads a browser).
# Installs only what is missing, and only as root with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v openssl >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then echo "The tests need openssl (apt-get install openssl)" >&2; exit 1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssl >/dev/null 2>&1 ||
    { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssl >/dev/null; }
fi
if ! [ -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "The UI tests need Debian's Chromium (apt-get install chromium)" >&2; exit 1; fi
  echo "ensure-system-packages: installing Debian's chromium for the UI tests" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
    { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null; }
fi
bash tests/support/install-ceph.sh
