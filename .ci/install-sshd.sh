#!/bin/sh
# Installs OpenSSH's server for the SSH fallback tests (collector/test/ssh), which start their own
# sshd on a free loopback port with generated keys (collector/test/support/sshd.ts). Nothing else
# is configured globally; the package's own service is not started.
set -eu

if [ -x /usr/sbin/sshd ]; then
  echo "install-sshd: $(/usr/sbin/sshd -V 2>&1 | head -n 1 || true) already installed"
else
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq openssh-server; then
    apt-get update -qq
    apt-get install -y -qq openssh-server
  fi
fi
# sshd's privilege separation directory (packages create it at boot; containers often lack it).
mkdir -p /run/sshd
chmod 0755 /run/sshd
# The test fixture also uses ssh-keygen, and setpriv/unshare (util-linux) for clean-up and isolation.
for tool in ssh-keygen setpriv unshare; do command -v "$tool" >/dev/null; done
