#!/bin/bash
# The one bring-up command: `npm run up` (stack "local": Docker containers as hosts, no VM, no
# cloud account), or `npm run up -- <stack> [pulumi up flags]` for Pulumi.<stack>.yaml.
# State stays on this machine (.pulumi-state/, no Pulumi account); secrets are encrypted with a
# passphrase generated once into a 0600 file unless PULUMI_CONFIG_PASSPHRASE(_FILE) is set.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
STACK=${1:-local}
[ $# -gt 0 ] && shift
STATE_DIR=${PULUMI_STATE_DIR:-$ROOT/.pulumi-state}
log() { echo "[up] $*" >&2; }

[[ "$STACK" =~ ^[A-Za-z0-9_.-]+$ ]] || { log "stack name: expected letters, digits, _ . -, got \"$STACK\""; exit 2; }

# 1. The Pulumi CLI: on PATH, from the `pulumi` npm package, or built from pinned Go modules
#    (scripts/pulumi-cli.sh says which, and how to get one when none of them works).
PULUMI=$(bash "$ROOT/scripts/pulumi-cli.sh") || exit 3
case "$PULUMI" in
  "$ROOT"/.tools/*)
    # Built here because nothing can be downloaded: a plugin the engine would fetch fails at once, by name.
    export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:-true} ;;
esac
log "Pulumi CLI: $PULUMI ($("$PULUMI" version 2>/dev/null || echo '?'))"

# 2. Local state backend and the secrets passphrase.
mkdir -p "$STATE_DIR"
chmod 700 "$STATE_DIR"
export PULUMI_BACKEND_URL="file://$STATE_DIR" PULUMI_SKIP_UPDATE_CHECK=true
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  pass="$STATE_DIR/passphrase"
  if [ ! -s "$pass" ]; then
    # Pulumi keeps the passphrase's salt in Pulumi.<stack>.yaml (its first run adds `encryptionsalt`):
    # a salt without the passphrase it belongs to (a deleted state dir) could never decrypt again.
    if grep -q '^encryptionsalt:' "Pulumi.$STACK.yaml" 2>/dev/null; then
      log "Pulumi.$STACK.yaml has an encryptionsalt but $pass is gone: restore the passphrase, or delete that line to start a new state"
      exit 2
    fi
    (umask 077; head -c 32 /dev/urandom | base64 >"$pass")
    log "generated the stack secrets passphrase in $pass (keep it: the stack's secrets need it)"
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$pass"
fi

# 3. The local target needs a Docker engine and the node image on this machine.
target=local
if [ -f "Pulumi.$STACK.yaml" ]; then
  t=$(sed -n 's/^ *microservice:target: *"\{0,1\}\([a-z]*\)"\{0,1\} *$/\1/p' "Pulumi.$STACK.yaml" | head -1)
  [ -n "$t" ] && target=$t
fi
if [ "$target" = local ]; then
  # The stack's pin of the base image (local.build.baseImageDigest) overrides scripts/base-pins.sh.
  digest=$(sed -n 's/^ *baseImageDigest: *"\{0,1\}\(sha256:[0-9a-f]\{64\}\)"\{0,1\} *$/\1/p' "Pulumi.$STACK.yaml" 2>/dev/null | head -1)
  [ -z "$digest" ] || export BASE_IMAGE_DIGEST=$digest
  log "preparing Docker and the node image (scripts/docker-host.sh)"
  bash "$ROOT/scripts/docker-host.sh" >/dev/null
fi

# 4. Select (or create) the stack.
"$PULUMI" stack select --create --secrets-provider passphrase "$STACK" --non-interactive

# 5. Bring it up. (Local target without mesos.images: the stack pins the suggested tags on first use.)
# Independent resources go on when one fails (e.g. Mesos, whose images this machine cannot pull);
# the failed steps are named in one line at the end.
events=$(mktemp); trap 'rm -f "$events"' EXIT
set +e
# --event-log exists only with PULUMI_DEBUG_COMMANDS (as the Automation API runs the CLI).
PULUMI_DEBUG_COMMANDS=true "$PULUMI" up --yes --stack "$STACK" --non-interactive --continue-on-error --event-log "$events" "$@"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  failed=$(jq -r 'select(.diagnosticEvent.severity == "error" and (.diagnosticEvent.urn // "") != "") | .diagnosticEvent.urn | split("::") | last' "$events" 2>/dev/null | sort -u | paste -sd, - | sed 's/,/, /g')
  log "not converged: ${failed:-see the errors above} (docs/hosts.md: what this machine cannot run)"
fi
exit "$rc"
