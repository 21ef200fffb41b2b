#!/usr/bin/env bash
# systemd-analyze, so that deploy/test/systemd-units.test.ts can run `systemd-analyze verify` on the units.
set -euo pipefail
if command -v systemd-analyze >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends systemd ||
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends systemd; }
systemd-analyze --version | head -n 1
