#!/usr/bin/env bash
# Installs (or upgrades, or re-configures) the procwatch agent on this host. Safe to run again: every
# step checks what is already there, and the service is restarted only when something changed.
#
#   sudo deploy/scripts/install-agent.sh --collector-url https://collector.internal:8080 \
#        --token-file /root/agent-token          # the token printed once by `procwatch hosts add`
#
# What it does: a system user `procwatch-agent`; /usr/local/lib/procwatch/procwatch-agent.mjs (the
# single-file bundle); /etc/procwatch/agent.json (0644) and /etc/procwatch/agent.token
# (root:procwatch-agent 0640);
# /var/lib/procwatch-agent (spool and config cache, 0700); the systemd unit, enabled and started.
# Without --collector-url the existing config is kept (an upgrade of the bundle and unit only).
#
# Values from the command line never reach a shell or an eval: they are checked against strict
# patterns and handed to node as argv, which writes the JSON.
set -euo pipefail

readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly AGENT_USER=procwatch-agent
readonly UNIT_NAME=procwatch-agent.service
readonly STATE_DIR=/var/lib/procwatch-agent
readonly CONFIG_FILE=/etc/procwatch/agent.json
readonly TOKEN_FILE_PATH=/etc/procwatch/agent.token
readonly BUNDLE_FILE=/usr/local/lib/procwatch/procwatch-agent.mjs
readonly DEFAULT_NODE=/usr/bin/node

usage() {
  cat <<'USAGE'
usage: install-agent.sh [options]

  --collector-url URL   collector base URL (http:// or https://); repeat for failover, in order
  --token-file FILE     file holding this host's agent token (preferred: not visible in ps)
  --token TOKEN         the agent token itself (or env PROCWATCH_AGENT_TOKEN)
  --bundle FILE         agent bundle to install (default: ../dist/procwatch-agent.mjs or ./procwatch-agent.mjs)
  --unit FILE           unit file to install (default: ../systemd/procwatch-agent.service or ./procwatch-agent.service)
  --node FILE           node >= 20 to run the agent with (default: node on PATH)
  --root DIR            install into DIR instead of / (tests, image builds); implies --no-systemctl
  --no-systemctl        do not reload, enable or start the service
  -h, --help            this text
USAGE
}

die() {
  printf 'install-agent: %s\n' "$*" >&2
  exit 1
}
say() { printf 'install-agent: %s\n' "$*"; }

ROOT=''
NODE=''
BUNDLE=''
UNIT=''
TOKEN="${PROCWATCH_AGENT_TOKEN:-}"
TOKEN_FILE=''
USE_SYSTEMCTL=1
COLLECTOR_URLS=()

need_value() { [ "$#" -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"; }
while [ "$#" -gt 0 ]; do
  case "$1" in
    --collector-url) need_value "$@"; COLLECTOR_URLS+=("$2"); shift 2 ;;
    --token) need_value "$@"; TOKEN="$2"; shift 2 ;;
    --token-file) need_value "$@"; TOKEN_FILE="$2"; shift 2 ;;
    --bundle) need_value "$@"; BUNDLE="$2"; shift 2 ;;
    --unit) need_value "$@"; UNIT="$2"; shift 2 ;;
    --node) need_value "$@"; NODE="$2"; shift 2 ;;
    --root) need_value "$@"; ROOT="$2"; USE_SYSTEMCTL=0; shift 2 ;;
    --no-systemctl) USE_SYSTEMCTL=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

# --- validate everything before changing anything ---
if [ -n "$ROOT" ]; then
  [ -d "$ROOT" ] || die "--root $ROOT is not a directory"
  ROOT="$(cd "$ROOT" && pwd)"
  [ "$ROOT" != / ] || ROOT=''
fi
[ "$(id -u)" -eq 0 ] || [ -n "$ROOT" ] || die 'run as root (or with --root DIR)'

for url in "${COLLECTOR_URLS[@]}"; do
  # Scheme, host (name, IPv4 or [IPv6]), optional port and path; nothing a JSON or URL parser could
  # read twice. The agent validates the file again when it starts.
  [[ "$url" =~ ^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$ ]] ||
    die "--collector-url must look like https://collector.example:8080 (got: ${url@Q})"
done
if [ -n "$TOKEN_FILE" ]; then
  [ -r "$TOKEN_FILE" ] || die "--token-file $TOKEN_FILE is not readable"
  TOKEN="$(tr -d ' \t\r\n' <"$TOKEN_FILE")"
fi
if [ "${#COLLECTOR_URLS[@]}" -gt 0 ]; then
  [ -n "$TOKEN" ] || die 'a token is required with --collector-url (--token-file, --token or PROCWATCH_AGENT_TOKEN)'
  [[ "$TOKEN" =~ ^[A-Za-z0-9._~+/=-]{16,512}$ ]] || die 'the token has unexpected characters or length'
elif [ -n "$TOKEN" ]; then
  die '--token needs --collector-url'
fi

if [ -z "$NODE" ]; then NODE="$(command -v node || true)"; fi
[ -n "$NODE" ] || die 'node not found: install Node.js >= 20 or pass --node'
[[ "$NODE" =~ ^/[A-Za-z0-9._/+-]+$ ]] || die "--node must be an absolute path of plain characters (got: ${NODE@Q})"
[ -x "$NODE" ] || die "$NODE is not executable"
"$NODE" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  die "$NODE is older than Node.js 20"

first_existing() {
  local f
  for f in "$@"; do
    if [ -f "$f" ]; then
      printf '%s\n' "$f"
      return 0
    fi
  done
  return 1
}
[ -n "$BUNDLE" ] || BUNDLE="$(first_existing "$SCRIPT_DIR/../dist/procwatch-agent.mjs" "$SCRIPT_DIR/procwatch-agent.mjs")" ||
  die 'agent bundle not found: build it (npm run build -w deploy) or pass --bundle'
[ -n "$UNIT" ] || UNIT="$(first_existing "$SCRIPT_DIR/../systemd/$UNIT_NAME" "$SCRIPT_DIR/$UNIT_NAME")" ||
  die 'unit file not found: pass --unit'
[ -f "$BUNDLE" ] || die "bundle $BUNDLE not found"
[ -f "$UNIT" ] || die "unit $UNIT not found"
if [ "${#COLLECTOR_URLS[@]}" -eq 0 ] && [ ! -f "$ROOT$CONFIG_FILE" ]; then
  die "no config at $CONFIG_FILE yet: pass --collector-url and a token"
fi

# --- the user ---
CHANGED=0
if [ -n "$ROOT" ]; then
  passwd_line() { grep -E "^$AGENT_USER:" "$ROOT/etc/passwd" 2>/dev/null || true; }
else
  passwd_line() { getent passwd "$AGENT_USER" || true; }
fi
if [ -z "$(passwd_line)" ]; then
  prefix=()
  [ -z "$ROOT" ] || prefix=(--prefix "$ROOT")
  useradd "${prefix[@]}" --system --user-group --no-create-home --home-dir "$STATE_DIR" \
    --shell /usr/sbin/nologin --comment 'procwatch agent' "$AGENT_USER"
  say "created user $AGENT_USER"
  CHANGED=1
fi
AGENT_UID="$(passwd_line | cut -d: -f3)"
AGENT_GID="$(passwd_line | cut -d: -f4)"
[[ "$AGENT_UID" =~ ^[0-9]+$ && "$AGENT_GID" =~ ^[0-9]+$ ]] || die "cannot read the ids of $AGENT_USER"

# --- files: replaced only when their content differs, so a re-run changes nothing ---
# install_file SOURCE DEST MODE UID GID
install_file() {
  local src="$1" dest="$ROOT$2" mode="$3" uid="$4" gid="$5"
  mkdir -p "$(dirname "$dest")"
  if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
    chmod "$mode" "$dest"
    chown "$uid:$gid" "$dest"
    return 0
  fi
  local tmp
  tmp="$(mktemp "$dest.XXXXXX")"
  cat "$src" >"$tmp"
  chmod "$mode" "$tmp"
  chown "$uid:$gid" "$tmp"
  mv -f "$tmp" "$dest"
  say "installed $2"
  CHANGED=1
}

install -d -m 0755 "$ROOT/etc/procwatch" "$ROOT/usr/local/lib/procwatch" "$ROOT/etc/systemd/system"
install -d -m 0700 -o "$AGENT_UID" -g "$AGENT_GID" "$ROOT$STATE_DIR"

install_file "$BUNDLE" "$BUNDLE_FILE" 0644 0 0
install_file "$UNIT" "/etc/systemd/system/$UNIT_NAME" 0644 0 0

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# The unit runs /usr/bin/node; another node gets a drop-in instead of an edited unit.
DROPIN="/etc/systemd/system/$UNIT_NAME.d/node.conf"
if [ "$NODE" != "$DEFAULT_NODE" ]; then
  printf '[Service]\nExecStart=\nExecStart=%s --max-semi-space-size=1 --optimize-for-size %s run --config %s\n' \
    "$NODE" "$BUNDLE_FILE" "$CONFIG_FILE" \
    >"$WORK/node.conf"
  install_file "$WORK/node.conf" "$DROPIN" 0644 0 0
elif [ -e "$ROOT$DROPIN" ]; then
  rm -f "$ROOT$DROPIN"
  say "removed $DROPIN"
  CHANGED=1
fi

if [ "${#COLLECTOR_URLS[@]}" -gt 0 ]; then
  # The agent's config format (agent/src/config.ts). node writes the JSON from argv: no value is ever
  # interpolated into code or shell text.
  "$NODE" --input-type=module -e '
    const [out, stateDir, tokenFile, ...urls] = process.argv.slice(1);
    const config = { collector: { urls, token_file: tokenFile }, state_dir: stateDir };
    (await import("node:fs")).writeFileSync(out, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  ' "$WORK/agent.json" "$STATE_DIR" "$TOKEN_FILE_PATH" "${COLLECTOR_URLS[@]}"
  printf '%s\n' "$TOKEN" >"$WORK/agent.token"
  install_file "$WORK/agent.token" "$TOKEN_FILE_PATH" 0640 0 "$AGENT_GID"
  install_file "$WORK/agent.json" "$CONFIG_FILE" 0644 0 0
elif [ -f "$ROOT$TOKEN_FILE_PATH" ]; then
  chmod 0640 "$ROOT$TOKEN_FILE_PATH"
  chown "0:$AGENT_GID" "$ROOT$TOKEN_FILE_PATH"
fi

# --- the service ---
if [ "$USE_SYSTEMCTL" -eq 0 ]; then
  say "done (systemctl skipped); changed=$CHANGED"
  exit 0
fi
if [ ! -d /run/systemd/system ]; then
  say 'systemd is not running here: enable the unit yourself'
  exit 0
fi
systemctl daemon-reload
systemctl enable --quiet "$UNIT_NAME"
if [ "$CHANGED" -eq 1 ]; then
  systemctl restart "$UNIT_NAME"
  say "restarted $UNIT_NAME"
else
  systemctl start "$UNIT_NAME"
  say 'nothing changed; the service is running'
fi
