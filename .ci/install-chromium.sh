#!/usr/bin/env bash
# Debian's chromium (/usr/bin/chromium) for the dashboard's browser test (playwright-core drives it;
# we never download playwright's own browser builds).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# A stale package index (a fresh container) makes the first install fail: refresh once and retry.
apt-get install -y -qq --no-install-recommends chromium ||
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; }
/usr/bin/chromium --version
