#!/bin/sh
# iproute2 (`ip netns`, veth) for the system suite's network-cut scenario (deploy/test/system), which
# builds its own namespaces with private addresses and removes them afterwards. Nothing else is configured.
set -eu

if command -v ip >/dev/null 2>&1; then
  echo "install-iproute2: $(ip -V 2>&1 | head -n 1) already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends iproute2; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends iproute2
fi
ip -V
