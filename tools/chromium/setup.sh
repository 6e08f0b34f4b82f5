#!/usr/bin/env bash
# Headless Chromium for the report page test (test/report/). Debian's package, installed with apt-get when
# running as root and missing; otherwise this exits at once printing the command a person must run.
set -euo pipefail

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

echo "chromium: looking for ${CHROMIUM} ..."
if [ -x "${CHROMIUM}" ]; then
  echo "chromium: present ($("${CHROMIUM}" --version 2>/dev/null || echo 'version unknown'))."
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium: missing and not root; run: sudo apt-get update && sudo apt-get install -y chromium" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: missing and no apt-get here; install Chromium and set CHROMIUM=/path/to/chromium" >&2
  exit 1
fi
echo "chromium: apt-get update ..."
apt-get update -qq
echo "chromium: apt-get install -y chromium ..."
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
echo "chromium: installed ($("${CHROMIUM}" --version 2>/dev/null))."
